// Booted guests kept on disk, so that a scenario restores one in seconds instead of
// booting for twenty. An entry is one folder named by a hash of everything that makes a
// booted guest what it is (the image build, the VM settings, the kernel command line, the
// accelerator, the QEMU version and this format's version): any change makes a new entry.
//
//   <root>/<key>/disk.qcow2    the frozen disk layer (an overlay on the image's disk)
//   <root>/<key>/memory.state  memory and device state, as QEMU's migration writes it
//   <root>/<key>/entry.json    written last: what the entry is, sizes, a checksum and
//                              the memory file's identity (inode, mtime)
//
// An entry is trusted cheaply: its memory file is hashed once, when it is made; each run
// after that only checks sizes and the memory file's inode and mtime, which any rewrite of
// it changes. Should those differ (a copied cache), the file is hashed again and, if it
// still matches, its new identity recorded. Damage that keeps all three (bit rot) is left
// to QEMU, which refuses a stream it cannot load: the caller then discards the entry and
// it is made again (guest-source.ts).
//
// Entries are made in a temp folder beside them and renamed into place, under a lock per
// key, so two runs (or two workers) never make one twice and never see half of one.
// Locks, and the leases that keep pruning off entries in use: cache-lock.ts.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inUse, takeLease, tryLock, withLock, type Release } from './cache-lock.js';
import { kernelCommandLine } from './qemu-args.js';
import type { SavedState } from './machine.js';
import { fileIdentity, folderBytes, lastUsed, readEntry, recordIdentity, sha256, type EntryMeta, type GuestFacts } from './snapshot-entry.js';
import type { VmSpec } from './spec.js';
import { pidIsAlive } from './workdir.js';

/** Bumped whenever what an entry holds, or how it is made, changes. */
export const SNAPSHOT_FORMAT = 2;
const DEFAULT_MAX_BYTES = 10 * 1024 ** 3;
const TEMP_MARK = '.tmp-';

export type { EntryMeta, GuestFacts } from './snapshot-entry.js';

export interface SnapshotEntry extends SavedState {
  key: string;
  dir: string;
  meta: EntryMeta;
}

/** What a snapshot's maker hands back once it has written disk.qcow2 and memory.state. */
export interface Made {
  facts: GuestFacts;
  bootMs: number;
}

export interface LookupResult {
  entry: SnapshotEntry;
  /** True when this call made the entry (a cold boot was paid for it). */
  made: boolean;
  /** Things worth telling the user that are not failures (a damaged entry remade…). */
  notices: string[];
  /** Ends this caller's lease on the entry: call it when the guest restored from it stops.
   *  Until then pruning leaves the entry alone. */
  release: Release;
}

/** Where users expect a cache: $HARNESS_CACHE_DIR, else $XDG_CACHE_HOME, else ~/.cache. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HARNESS_CACHE_DIR) return path.resolve(env.HARNESS_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'confinement-harness', 'snapshots');
}

/** Everything that makes a booted guest what it is. Files are known by size and mtime:
 *  a rebuilt image changes both, and hashing a disk on every run would cost seconds. */
export async function describeSnapshot(spec: VmSpec, qemuVersion: string): Promise<Record<string, unknown>> {
  const identity = async (file: string) => {
    const s = await stat(file);
    return `${s.size}:${Math.round(s.mtimeMs)}`;
  };
  return {
    format: SNAPSHOT_FORMAT,
    image: spec.image.name,
    disk: await identity(spec.image.disk),
    kernel: await identity(spec.image.kernel),
    initrd: await identity(spec.image.initrd),
    hostKey: spec.image.hostKeyFingerprint,
    memory: spec.memory,
    cpus: spec.cpus,
    threads: spec.threads,
    cpuModel: spec.cpuModel,
    cmdline: kernelCommandLine(spec),
    accel: spec.accel,
    qemu: qemuVersion,
    // a second NIC is another machine to QEMU: its state will not load into one without it
    ...(spec.privateNic ? { privateNic: true } : {}),
  };
}

export function snapshotKey(describes: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(describes)).digest('hex').slice(0, 24);
}

export class SnapshotCache {
  /** Entries whose checksum this process has verified: once per run is enough. */
  private verified = new Set<string>();
  /** Lookups under way in this process, so workers wanting one key wait for one maker. */
  private pending = new Map<string, Promise<Omit<LookupResult, 'release'>>>();

  constructor(
    readonly root: string = defaultCacheRoot(),
    private readonly maxBytes: number = Number(process.env.HARNESS_CACHE_MAX_BYTES ?? DEFAULT_MAX_BYTES),
  ) {}

  /**
   * The entry for `describes`, made with `make(tempDir)` when there is none (or the one
   * there is damaged). `make` writes disk.qcow2 and memory.state into tempDir.
   */
  async lookup(describes: Record<string, unknown>, make: (dir: string) => Promise<Made>): Promise<LookupResult> {
    const key = snapshotKey(describes);
    for (let attempt = 1; ; attempt++) {
      let pending = this.pending.get(key);
      if (!pending) {
        pending = this.lookupLocked(key, describes, make).finally(() => this.pending.delete(key));
        this.pending.set(key, pending);
      }
      const found = await pending;
      // each caller its own lease, taken under the lock, on an entry still there
      const release = await withLock(this.root, key, () => takeLease(found.entry.dir));
      if (release) return { ...found, release };
      if (attempt === 3) throw new Error(`snapshot ${key} was removed each time right after it was found`);
    }
  }

  /** Drops an entry QEMU could not load, so the next lookup makes it again. */
  async discard(entry: SnapshotEntry): Promise<void> {
    this.verified.delete(entry.key);
    await withLock(this.root, entry.key, () => rm(entry.dir, { recursive: true, force: true }));
  }

  async list(): Promise<{ key: string; meta?: EntryMeta; bytes: number; lastUsed: Date; problem?: string }[]> {
    const out = [];
    for (const name of await this.entryNames()) {
      const dir = path.join(this.root, name);
      const { meta, problem } = await readEntry(dir, name, SNAPSHOT_FORMAT);
      out.push({ key: name, meta, bytes: await folderBytes(dir), lastUsed: await lastUsed(dir), problem });
    }
    return out.sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime());
  }

  /** Removes every entry (and temp folders of runs that are gone); returns how many. */
  /** Removes every entry no running guest uses (a lease, as pruning respects); those in
   *  use stay, and are counted, so a run under way keeps the disk layer it boots from. */
  async clear(): Promise<{ removed: number; inUse: number }> {
    const counts = { removed: 0, inUse: 0 };
    for (const name of await this.entryNames()) {
      const dir = path.join(this.root, name);
      await withLock(this.root, name, async () => {
        if (await inUse(dir)) return void counts.inUse++;
        await rm(dir, { recursive: true, force: true });
        counts.removed++;
      });
    }
    await this.sweepTemp();
    return counts;
  }

  // ── inside ──────────────────────────────────────────────────────────────

  private async lookupLocked(key: string, describes: Record<string, unknown>, make: (dir: string) => Promise<Made>): Promise<Omit<LookupResult, 'release'>> {
    const notices: string[] = [];
    const dir = path.join(this.root, key);
    const found = await this.usable(key, dir, notices);
    if (found) return { entry: found, made: false, notices };

    await mkdir(this.root, { recursive: true });
    const lost = (err: Error) =>
      notices.push(`the lock on snapshot ${key} was lost while it was made (${err.message}): a stall of more than 30 s, or another run took it over`);
    return withLock(this.root, key, async () => {
      // Another run may have made it while this one waited for the lock.
      const meanwhile = await this.usable(key, dir, []);
      if (meanwhile) return { entry: meanwhile, made: false, notices };
      await rm(dir, { recursive: true, force: true });
      const temp = `${dir}${TEMP_MARK}${process.pid}-${Date.now()}`;
      await mkdir(temp, { recursive: true, mode: 0o700 });
      try {
        const made = await make(temp);
        const meta: EntryMeta = {
          format: SNAPSHOT_FORMAT,
          key,
          describes,
          facts: made.facts,
          sizes: { disk: (await stat(path.join(temp, 'disk.qcow2'))).size, memory: (await stat(path.join(temp, 'memory.state'))).size },
          memorySha256: await sha256(path.join(temp, 'memory.state')),
          // A rename keeps both, so the identity read in the temp folder is the entry's.
          memoryIdentity: await fileIdentity(path.join(temp, 'memory.state')),
          createdAt: new Date().toISOString(),
          bootMs: made.bootMs,
        };
        await writeFile(path.join(temp, 'entry.json'), JSON.stringify(meta, null, 2) + '\n');
        await rename(temp, dir);
      } catch (err) {
        await rm(temp, { recursive: true, force: true });
        throw err;
      }
      this.verified.add(key);
      await this.prune(key);
      const entry = await this.usable(key, dir, notices);
      if (!entry) throw new Error(`snapshot ${key} vanished right after it was made`);
      return { entry, made: true, notices };
    }, lost);
  }

  /** The entry at `dir` if it is whole; a damaged one is reported, and left to be removed
   *  under the lock (seen without it, it may be another run's remaking). */
  private async usable(key: string, dir: string, notices: string[]): Promise<SnapshotEntry | undefined> {
    if (!existsSync(dir)) return undefined;
    const { meta, problem } = await readEntry(dir, key, SNAPSHOT_FORMAT);
    let trouble = problem;
    if (meta && !trouble && !this.verified.has(key)) {
      const memory = path.join(dir, 'memory.state');
      const identity = await fileIdentity(memory).catch(() => '');
      if (identity !== meta.memoryIdentity) {
        // Rewritten, or copied: only the checksum can tell which.
        const sum = await sha256(memory).catch((err: Error) => `unreadable: ${err.message}`);
        if (sum !== meta.memorySha256) trouble = `memory.state does not match its checksum`;
        else await recordIdentity(dir, { ...meta, memoryIdentity: identity });
      }
      if (!trouble) this.verified.add(key);
    }
    if (trouble || !meta) {
      notices.push(`snapshot ${key} is damaged (${trouble}); it is made again`);
      return undefined;
    }
    const now = new Date();
    await utimes(path.join(dir, 'entry.json'), now, now).catch(() => {});
    return { key, dir, meta, disk: path.join(dir, 'disk.qcow2'), memory: path.join(dir, 'memory.state') };
  }


  /** Least recently used entries go until the cache fits its bound. `keep` always stays, and
   *  so does an entry another run is making (its lock is held) or a running guest uses. */
  private async prune(keep: string): Promise<void> {
    const entries = (await this.list()).filter((e) => e.key !== keep);
    let total = entries.reduce((n, e) => n + e.bytes, await folderBytes(path.join(this.root, keep)));
    for (const entry of entries.reverse()) {
      if (total <= this.maxBytes) break;
      const dir = path.join(this.root, entry.key);
      const removed = await tryLock(this.root, entry.key, async () => {
        if (await inUse(dir)) return false;
        await rm(dir, { recursive: true, force: true });
        return true;
      });
      if (removed) total -= entry.bytes;
    }
  }

  private async entryNames(): Promise<string[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{24}$/.test(n));
  }

  /** Temp folders of makers that died (their pid is gone). */
  async sweepTemp(): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.root).catch(() => [] as string[])) {
      const match = new RegExp(`${TEMP_MARK.replace('.', '\\.')}(\\d+)-`).exec(name);
      if (!match || pidIsAlive(Number(match[1]))) continue;
      await rm(path.join(this.root, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }
}
