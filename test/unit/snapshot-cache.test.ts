// The snapshot cache's bookkeeping, with a maker that writes small files instead of
// booting a guest: keys, one maker per key, damage detection, clearing, the size bound.
// What a restored guest does is tested against real guests in test/vm/snapshot.test.ts.
import { copyFile, readdir, readFile, rename, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
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
  const cache = new SnapshotCache(root, 5000); // room for two entries of 2000 bytes
  const old = await cache.lookup(describes({ n: 1 }), maker(counter));
  const longAgo = new Date(Date.now() - 3600_000);
  await utimes(path.join(old.entry.dir, 'entry.json'), longAgo, longAgo);
  await cache.lookup(describes({ n: 2 }), maker(counter));
  await cache.lookup(describes({ n: 3 }), maker(counter));
  const keys = (await cache.list()).map((e) => e.key);
  assert.is(keys.length, 2, 'the least recently used entry went');
  assert.not.ok(keys.includes(old.entry.key));
  assert.is(await cache.clear(), 2);
  assert.equal(await cache.list(), []);
});

test.run();
