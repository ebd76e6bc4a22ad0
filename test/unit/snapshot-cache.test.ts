// The snapshot cache's bookkeeping, with a maker that writes small files instead of
// booting a guest: keys, one maker per key, damage detection, clearing, the size bound.
// What a restored guest does is tested against real guests in test/vm/snapshot.test.ts.
import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, rename, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import lockfile from 'proper-lockfile';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultCacheRoot, SnapshotCache, snapshotKey, type Made } from '../../harness/vm/snapshot-cache.js';
import { tempDir } from '../support/harness.js';

const describes = (more: Record<string, unknown> = {}) => ({ format: 1, image: 'debian-bookworm', cmdline: 'root=/dev/vda quiet', accel: 'tcg', ...more });

function maker(counter: { made: number }, bytes = 1000) {
  return async (dir: string): Promise<Made> => {
    counter.made++;
    await new Promise((r) => setTimeout(r, 20)); // long enough for a second caller to arrive
    await writeFile(path.join(dir, 'disk.qcow2'), Buffer.alloc(bytes, 1));
    await writeFile(path.join(dir, 'memory.state'), Buffer.alloc(bytes, 2));
    return { facts: { systemd: 'systemd 252 (252.39-1~deb12u2)', kernel: '6.1.0' }, bootMs: 1234 };
  };
}

test('every input of the key makes another key; the same inputs the same key', () => {
  const base = snapshotKey(describes());
  assert.is(snapshotKey(describes()), base);
  assert.match(base, /^[0-9a-f]{24}$/);
  for (const change of [{ cmdline: 'root=/dev/vda quiet nosmt' }, { accel: 'kvm' }, { qemu: '8.2.2' }, { image: 'debian-trixie' }, { format: 2 }]) {
    assert.is.not(snapshotKey(describes(change)), base, JSON.stringify(change));
  }
});

test('the cache lives where users expect one', () => {
  assert.is(defaultCacheRoot({ HARNESS_CACHE_DIR: '/srv/c' }), '/srv/c');
  assert.is(defaultCacheRoot({ XDG_CACHE_HOME: '/x' }), '/x/confinement-harness/snapshots');
  assert.match(defaultCacheRoot({}), /\/\.cache\/confinement-harness\/snapshots$/);
});

test('two lookups of one key at once make it once; a later cache object reuses it', async () => {
  const root = await tempDir();
  const counter = { made: 0 };
  const cache = new SnapshotCache(root);
  const [a, b] = await Promise.all([cache.lookup(describes(), maker(counter)), cache.lookup(describes(), maker(counter))]);
  assert.is(counter.made, 1);
  assert.is(a.entry.dir, b.entry.dir);
  assert.ok(a.made);
  const again = await new SnapshotCache(root).lookup(describes(), maker(counter));
  assert.is(counter.made, 1);
  assert.not.ok(again.made);
  assert.equal(again.entry.meta.facts.kernel, '6.1.0');
  assert.equal((await readdir(root)).filter((n) => n.includes('.tmp-') || n.endsWith('.lock')), []);
});

test('a truncated or altered memory file is a notice and the entry is made again', async () => {
  const root = await tempDir();
  const counter = { made: 0 };
  const first = await new SnapshotCache(root).lookup(describes(), maker(counter));
  await truncate(first.entry.memory, 10);
  const second = await new SnapshotCache(root).lookup(describes(), maker(counter));
  assert.is(counter.made, 2);
  assert.match(second.notices.join('\n'), /is damaged \(memory\.state is 10 bytes, 1000 were written\); it is made again/);
  // the same size, other bytes: only the checksum can tell
  await writeFile(second.entry.memory, Buffer.alloc(1000, 9));
  const third = await new SnapshotCache(root).lookup(describes(), maker(counter));
  assert.is(counter.made, 3);
  assert.match(third.notices.join('\n'), /does not match its checksum/);
});

test('a run trusts an entry by size, inode and mtime, without reading it; a copy is hashed once again', async () => {
  const root = await tempDir();
  const counter = { made: 0 };
  const first = await new SnapshotCache(root).lookup(describes(), maker(counter));
  // Other bytes of the same size, the mtime put back to the nanosecond: the per-run check
  // cannot see this (QEMU refusing the stream is what catches it), and it must not read the
  // file to try, which was the seconds every warm start paid.
  const { mtimeNs } = await stat(first.entry.memory, { bigint: true });
  await writeFile(first.entry.memory, Buffer.alloc(1000, 7));
  await execa('touch', ['-m', '-d', `@${mtimeNs / 1_000_000_000n}.${String(mtimeNs % 1_000_000_000n).padStart(9, '0')}`, first.entry.memory]);
  const trusted = await new SnapshotCache(root).lookup(describes(), maker(counter));
  assert.is(counter.made, 1, 'the entry was used as it is');
  assert.equal(trusted.notices, []);

  // A copied memory file (a new inode) with the bytes that were hashed: hashed again, kept,
  // and its new identity recorded, so the run after that trusts it cheaply again.
  await writeFile(first.entry.memory, Buffer.alloc(1000, 2));
  const copy = `${first.entry.memory}.copy`;
  await copyFile(first.entry.memory, copy);
  await rename(copy, first.entry.memory);
  const rehashed = await new SnapshotCache(root).lookup(describes(), maker(counter));
  assert.is(counter.made, 1);
  assert.equal(rehashed.notices, []);
  const meta = JSON.parse(await readFile(path.join(first.entry.dir, 'entry.json'), 'utf8'));
  const now = await stat(first.entry.memory, { bigint: true });
  assert.is(meta.memoryIdentity, `${now.ino}:${now.mtimeNs}`);
});

test('a maker that fails leaves no temp folder and no entry', async () => {
  const root = await tempDir();
  const cache = new SnapshotCache(root);
  await cache
    .lookup(describes(), async () => {
      throw new Error('No space left on device');
    })
    .then(() => assert.unreachable('the lookup should fail'), (err: Error) => assert.match(err.message, /No space left/));
  assert.equal(await readdir(root).then((names) => names.filter((n) => !n.endsWith('.lock'))), []);
  assert.equal(await cache.list(), []);
});

test('list, clear, and the size bound keeps the newest entries', async () => {
  const root = await tempDir();
  const counter = { made: 0 };
  const cache = new SnapshotCache(root, 6000); // room for two entries (2000 bytes of files, about 550 of entry.json), not three
  const old = await cache.lookup(describes({ n: 1 }), maker(counter));
  await old.release(); // its guest stopped
  const longAgo = new Date(Date.now() - 3600_000);
  await utimes(path.join(old.entry.dir, 'entry.json'), longAgo, longAgo);
  await (await cache.lookup(describes({ n: 2 }), maker(counter))).release();
  await (await cache.lookup(describes({ n: 3 }), maker(counter))).release();
  const keys = (await cache.list()).map((e) => e.key);
  assert.is(keys.length, 2, 'the least recently used entry went');
  assert.not.ok(keys.includes(old.entry.key));
  assert.equal(await cache.clear(), { removed: 2, inUse: 0 });
  assert.equal(await cache.list(), []);
});

test('clear leaves an entry a running guest uses, and says so; released, it goes', async () => {
  const root = await tempDir();
  const counter = { made: 0 };
  const cache = new SnapshotCache(root);
  const held = await cache.lookup(describes({ n: 1 }), maker(counter));
  await (await cache.lookup(describes({ n: 2 }), maker(counter))).release();
  assert.equal(await cache.clear(), { removed: 1, inUse: 1 });
  assert.equal((await cache.list()).map((e) => e.key), [held.entry.key]);
  await held.release();
  assert.equal(await cache.clear(), { removed: 1, inUse: 0 });
  assert.equal(await cache.list(), []);
});

test('pruning leaves an entry a running guest uses, however long ago it was looked up; released, it goes', async () => {
  const root = await tempDir();
  const counter = { made: 0 };
  const cache = new SnapshotCache(root, 6000); // room for two entries (2000 bytes of files, about 550 of entry.json), not three
  const longAgo = new Date(Date.now() - 3600_000);
  // a long scenario's guest, or one kept by --keep-on-failure: restored an hour ago, still running
  const held = await cache.lookup(describes({ n: 1 }), maker(counter));
  await utimes(path.join(held.entry.dir, 'entry.json'), longAgo, longAgo);
  await (await cache.lookup(describes({ n: 2 }), maker(counter))).release?.();
  await (await cache.lookup(describes({ n: 3 }), maker(counter))).release?.();
  const keys = (await cache.list()).map((e) => e.key);
  assert.ok(keys.includes(held.entry.key), 'the entry under a running guest stays');
  assert.is(keys.length, 2, 'the least recently used entry no guest uses went instead');
  await held.release?.();
  await utimes(path.join(held.entry.dir, 'entry.json'), longAgo, longAgo);
  await (await cache.lookup(describes({ n: 4 }), maker(counter))).release?.();
  assert.not.ok((await cache.list()).map((e) => e.key).includes(held.entry.key), 'once its guest stopped, it may go');
});

test("a lease of a process that is gone counts for nothing", async () => {
  const root = await tempDir();
  const counter = { made: 0 };
  const cache = new SnapshotCache(root, 3000);
  const first = await cache.lookup(describes({ n: 1 }), maker(counter));
  await first.release?.();
  // what a harness killed with SIGKILL leaves behind: a pid no process has
  await writeFile(path.join(first.entry.dir, 'users', '999999999-dead'), '');
  const longAgo = new Date(Date.now() - 3600_000);
  await utimes(path.join(first.entry.dir, 'entry.json'), longAgo, longAgo);
  await (await cache.lookup(describes({ n: 2 }), maker(counter))).release?.();
  assert.equal((await cache.list()).map((e) => e.key), [snapshotKey(describes({ n: 2 }))]);
});

test('a damaged entry seen while another run holds its lock is left to that run, not removed', async () => {
  const root = await tempDir();
  const counter = { made: 0 };
  const first = await new SnapshotCache(root).lookup(describes(), maker(counter));
  await first.release?.();
  await truncate(first.entry.memory, 10);
  // another run holds the lock: it is remaking the entry, or restoring from the one it made
  const release = await lockfile.lock(path.join(root, first.entry.key), { realpath: false, lockfilePath: path.join(root, `${first.entry.key}.lock`) });
  const lookup = new SnapshotCache(root).lookup(describes(), maker(counter));
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(existsSync(first.entry.dir), 'nothing is removed without the lock');
  // the other run puts a whole entry in place and lets go
  await writeFile(first.entry.memory, Buffer.alloc(1000, 2));
  await release();
  const found = await lookup;
  assert.not.ok(found.made, 'the whole entry the other run left is used');
  assert.is(counter.made, 1);
  await found.release?.();
});

test('a lock lost while an entry is made (a stall past its stale time) is a notice, not an uncaught exception', async () => {
  const root = await tempDir();
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    const key = snapshotKey(describes());
    const found = await new SnapshotCache(root).lookup(describes(), async (dir) => {
      // as after a suspend: the lock is no longer the one this run holds
      await rm(path.join(root, `${key}.lock`), { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 6500)); // proper-lockfile looks every 5 s
      return maker({ made: 0 })(dir);
    });
    assert.equal(uncaught, []);
    assert.match(found.notices.join('\n'), new RegExp(`the lock on snapshot ${key} was lost while it was made \\(.*\\)`));
    assert.ok(existsSync(found.entry.memory));
    await found.release?.();
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});

test.run();
