// Private temp folders for VMs. Each is named after the harness's pid, so a later run
// can tell a folder left by a killed harness (pid gone) from one a live run still uses.
import { mkdtemp, chmod, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const PREFIX = 'harness-vm-';

export async function makeWorkDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
  await chmod(dir, 0o700);
  return dir;
}

export async function removeWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes work dirs of harness processes that no longer exist. Returns what it removed. */
export async function sweepStaleWorkDirs(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(os.tmpdir()).catch(() => [] as string[])) {
    const match = name.startsWith(PREFIX) ? /^(\d+)-/.exec(name.slice(PREFIX.length)) : null;
    if (!match || pidIsAlive(Number(match[1]))) continue;
    await removeWorkDir(path.join(os.tmpdir(), name));
    removed.push(name);
  }
  return removed;
}

