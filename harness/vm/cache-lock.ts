// The snapshot cache's locks and leases, shared by every run on the machine.
//
// A lock per key (proper-lockfile: a folder beside the entry, its mtime kept fresh while
// held) means one maker per entry and no entry removed under someone's feet. A lock whose
// holder stalled longer than `stale` (a suspended machine, heavy load) is one another run
// may take: proper-lockfile then calls onCompromised from a timer, where its default throws
// an uncaught exception. Here it is told to the holder instead, who says so and goes on.
//
// A lease marks an entry in use: one empty file per running guest restored from it,
// <entry>/users/<pid>-<random>, taken under the entry's lock and removed when the guest
// stops. Pruning leaves an entry with a live lease alone (its disk layer backs a guest that
// may still be saved by --save-failure, or is held by --keep-on-failure); a lease whose
// process is gone counts for nothing.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { pidIsAlive } from './workdir.js';

// Making an entry takes a cold boot (20-40 s under TCG); a run waiting for another's
// gets up to ten minutes. A lock whose holder died goes stale after 30 s.
const STALE_MS = 30_000;
const WAIT = { retries: 600, minTimeout: 500, maxTimeout: 1000, factor: 1.2 };
const USERS = 'users';

export type Release = () => Promise<void>;

/** Runs `work` holding `key`'s lock under `root`, waiting for it. A lock lost while held is
 *  passed to `onLost` (never thrown): the work finishes, the caller decides what it means. */
export async function withLock<T>(root: string, key: string, work: () => Promise<T>, onLost: (err: Error) => void = () => {}): Promise<T> {
  // Callers in this process queue here, not at the lock file, whose retries poll every
  // 500 ms: two guests of one scenario restored from one entry each take a lease at once.
  const id = path.join(root, key);
  const mine = (queued.get(id) ?? Promise.resolve()).then(async () => holding((await acquire(root, key, true, onLost))!, work));
  const settled = mine.then(() => {}, () => {});
  queued.set(id, settled);
  try {
    return await mine;
  } finally {
    if (queued.get(id) === settled) queued.delete(id);
  }
}

/** Per lock, the last of this process's callers: the next one starts when it is done. */
const queued = new Map<string, Promise<void>>();

/** Like withLock, but undefined at once when another holds the lock (pruning waits for no one). */
export async function tryLock<T>(root: string, key: string, work: () => Promise<T>): Promise<T | undefined> {
  const release = await acquire(root, key, false, () => {});
  return release ? holding(release, work) : undefined;
}

async function acquire(root: string, key: string, wait: boolean, onLost: (err: Error) => void): Promise<Release | undefined> {
  await mkdir(root, { recursive: true });
  try {
    return await lockfile.lock(path.join(root, key), {
      realpath: false,
      stale: STALE_MS,
      update: 5_000,
      retries: wait ? WAIT : 0,
      lockfilePath: path.join(root, `${key}.lock`),
      onCompromised: onLost,
    });
  } catch (err) {
    if (!wait && (err as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw err;
  }
}

async function holding<T>(release: Release, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    // a lock lost meanwhile is released already: nothing to do
    await release().catch(() => {});
  }
}

/** Marks the entry at `dir` in use; the caller holds its lock. Undefined when the entry is
 *  gone (removed between the lookup and now). */
export async function takeLease(dir: string): Promise<Release | undefined> {
  if (!existsSync(path.join(dir, 'entry.json'))) return undefined;
  const marker = path.join(dir, USERS, `${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(path.dirname(marker), { recursive: true });
  await writeFile(marker, '');
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await rm(marker, { force: true });
  };
}

/** Whether a live process holds a lease on the entry at `dir`; leases of dead ones go. */
export async function inUse(dir: string): Promise<boolean> {
  let live = false;
  for (const name of await readdir(path.join(dir, USERS)).catch(() => [] as string[])) {
    if (pidIsAlive(Number(/^(\d+)-/.exec(name)?.[1] ?? 0))) live = true;
    else await rm(path.join(dir, USERS, name), { force: true });
  }
  return live;
}
