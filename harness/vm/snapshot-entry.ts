// The files of one snapshot cache entry (snapshot-cache.ts): reading entry.json and
// checking it against the files beside it, the memory file's checksum and identity.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
/** What stays the same for every guest restored from an entry, read once when it was made. */
export interface GuestFacts {
  /** `systemctl --version`'s first line. */
  systemd: string;
  kernel: string;
}

export interface EntryMeta {
  format: number;
  key: string;
  /** The inputs of the key, for `harness cache list` and for whoever debugs a miss. */
  describes: Record<string, unknown>;
  facts: GuestFacts;
  sizes: { disk: number; memory: number };
  memorySha256: string;
  /** memory.state's inode and mtime (ns) as hashed: while they hold, so does the checksum. */
  memoryIdentity: string;
  createdAt: string;
  /** How long the cold boot took that made it. */
  bootMs: number;
}

export async function readEntry(dir: string, key: string, format: number): Promise<{ meta?: EntryMeta; problem?: string }> {
  let meta: EntryMeta;
  try {
    meta = JSON.parse(await readFile(path.join(dir, 'entry.json'), 'utf8')) as EntryMeta;
  } catch (err) {
    return { problem: `entry.json unreadable: ${(err as Error).message}` };
  }
  if (meta.format !== format || meta.key !== key) return { meta, problem: `format ${meta.format}, key ${meta.key}` };
  for (const [file, size] of [['disk.qcow2', meta.sizes.disk], ['memory.state', meta.sizes.memory]] as const) {
    const actual = await stat(path.join(dir, file)).then((s) => s.size, () => -1);
    if (actual !== size) return { meta, problem: actual < 0 ? `${file} is missing` : `${file} is ${actual} bytes, ${size} were written` };
  }
  return { meta };
}

/** What changes whenever a file is rewritten or replaced: its inode and mtime in ns. */
export async function fileIdentity(file: string): Promise<string> {
  const s = await stat(file, { bigint: true });
  return `${s.ino}:${s.mtimeNs}`;
}

/** Rewrites entry.json with `meta`, whole or not at all. */
export async function recordIdentity(dir: string, meta: EntryMeta): Promise<void> {
  const temp = path.join(dir, `entry.json.tmp-${process.pid}`);
  await writeFile(temp, JSON.stringify(meta, null, 2) + '\n');
  await rename(temp, path.join(dir, 'entry.json'));
}

export function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** The bytes of the files of an entry (its lease folder holds no data). */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) total += await stat(path.join(dir, name)).then((s) => (s.isFile() ? s.size : 0), () => 0);
  return total;
}

export async function lastUsed(dir: string): Promise<Date> {
  return stat(path.join(dir, 'entry.json')).then((s) => s.mtime, () => new Date(0));
}

