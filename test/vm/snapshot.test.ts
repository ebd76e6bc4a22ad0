// Booted snapshots against real guests: a warm second run, isolation between scenarios
// restored from one snapshot, and the cache's faults (a truncated entry, a full disk,
// QEMU killed while saving, two runs racing to make one entry).
import { existsSync } from 'node:fs';
import { open, readdir, readFile, truncate, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { leftovers, runHarness, scenarioFile, tempDir, testcases, validateJUnit, type HarnessRun } from '../support/harness.js';

/** A scenario whose steps read the guest's clock against the host's when it was written. */
function clockScenario(name: string): string {
  const hostNow = Math.floor(Date.now() / 1000);
  return `
name: ${name}
image: debian-bookworm
timeout: 6m
files:
  /etc/marker:
    content: "one\\n"
steps:
  - run: cat /etc/marker
    expect: {stdout: one}
  - name: the guest clock is the host's, not the snapshot's
    # written at ${hostNow}; a run takes minutes at most, a stale clock is behind by the cache's age
    run: 'now=$(date +%s); [ $now -ge ${hostNow} ] && [ $now -le $(( ${hostNow} + 900 )) ] || { echo "guest clock $now"; exit 1; }'
`;
}

/** A testsuite property of a report, per testsuite in order. */
function propertyValues(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<property name="${name.replace('.', '\\.')}" value="([^"]*)"`, 'g'))].map((m) => m[1]);
}

async function outcomeOf(run: HarnessRun): Promise<{ xml: string; outcomes: string[] }> {
  assert.ok((await validateJUnit(run.junit)).ok, 'the report validates');
  const xml = await readFile(run.junit, 'utf8');
  return { xml, outcomes: testcases(xml).map((c) => c.outcome) };
}

async function assertCacheClean(cache: string, run: HarnessRun): Promise<void> {
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive a run');
  const names = await readdir(cache).catch(() => [] as string[]);
  assert.equal(names.filter((n) => n.includes('.tmp-') || n.endsWith('.lock')), [], 'no half-made entry or lock is left');
}

/** QEMU processes whose command line names `dir` (their disk is in it). */
async function qemuUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('qemu-system') || cmdline.includes('\0qemu-system')) if (cmdline.includes(dir)) pids.push(Number(pid));
  }
  return pids;
}

const shared = { cache: '' };

test('a second run restores the first run\'s snapshot, and its clock is the host\'s', async () => {
  shared.cache = await tempDir();
  const file = await scenarioFile(clockScenario('snapshot warm start'));
  const env = { HARNESS_CACHE_DIR: shared.cache };
  const first = await runHarness(['run', file], { env });
  assert.is(first.exitCode, 0, first.stdout + first.stderr);
  const second = await runHarness(['run', file], { env });
  assert.is(second.exitCode, 0, second.stdout + second.stderr);
  const [a, b] = [await outcomeOf(first), await outcomeOf(second)];
  assert.equal(a.outcomes, ['passed', 'passed']);
  assert.equal(b.outcomes, ['passed', 'passed']);
  assert.equal(propertyValues(a.xml, 'guest.origin'), ['snapshot made']);
  assert.equal(propertyValues(b.xml, 'guest.origin'), ['snapshot restored']);
  const [made, restored] = [Number(propertyValues(a.xml, 'guest.ready.ms')[0]), Number(propertyValues(b.xml, 'guest.ready.ms')[0])];
  assert.ok(restored < made / 2, `a restore (${restored} ms) should be far quicker than making the snapshot (${made} ms)`);
  await assertCacheClean(shared.cache, second);
});

test('what one scenario does is gone in the next one restored from the same snapshot', async () => {
  const dir = await tempDir();
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path.join(dir, 'a.yaml'), `
name: isolation, first
image: debian-bookworm
timeout: 5m
files:
  /etc/leak:
    content: "from the first scenario\\n"
sysctl:
  vm.swappiness: 13
services:
  leaky:
    exec: /usr/bin/sleep infinity
steps:
  - start: leaky
  - run: touch /var/tmp/leak-too
`);
  await writeFile(path.join(dir, 'b.yaml'), `
name: isolation, second
image: debian-bookworm
timeout: 5m
steps:
  - file: /etc/leak
    expect: {exists: false}
  - file: /var/tmp/leak-too
    expect: {exists: false}
  - file: /proc/sys/vm/swappiness
    expect: {content: {not: {equals: "13"}}}
  - name: the first scenario's service is neither running nor installed
    run: systemctl show -p LoadState,ActiveState leaky.service
    expect: {stdout: "LoadState=not-found\\nActiveState=inactive"}
`);
  const run = await runHarness(['run', dir, '--workers', '1'], { env: { HARNESS_CACHE_DIR: shared.cache } });
  assert.is(run.exitCode, 0, run.stdout + run.stderr);
  const { xml, outcomes } = await outcomeOf(run);
  assert.equal(outcomes, ['passed', 'passed', 'passed', 'passed', 'passed', 'passed']);
  assert.equal(propertyValues(xml, 'guest.origin'), ['snapshot restored', 'snapshot restored']);

  // Both at once, each on its own overlay, port and sockets: the same report.
  const parallel = await runHarness(['run', dir, '--workers', '2'], { env: { HARNESS_CACHE_DIR: shared.cache } });
  assert.is(parallel.exitCode, 0, parallel.stdout + parallel.stderr);
  const both = await outcomeOf(parallel);
  const suites = (text: string) => [...text.matchAll(/<testsuite\b[^>]*\bname="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(suites(both.xml), suites(xml));
  assert.equal(testcases(both.xml), testcases(xml));
  await assertCacheClean(shared.cache, parallel);
});

test('a truncated cache entry is noticed and made again; the run passes', async () => {
  const [entry] = (await readdir(shared.cache)).filter((n) => /^[0-9a-f]{24}$/.test(n));
  const memory = path.join(shared.cache, entry, 'memory.state');
  await truncate(memory, Math.floor((await stat(memory)).size / 2));
  const file = await scenarioFile(clockScenario('snapshot truncated'));
  const run = await runHarness(['run', file], { env: { HARNESS_CACHE_DIR: shared.cache } });
  assert.is(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stderr, new RegExp(`snapshot ${entry} is damaged \\(memory.state is \\d+ bytes, \\d+ were written\\); it is made again`));
  const { xml, outcomes } = await outcomeOf(run);
  assert.equal(outcomes, ['passed', 'passed'], 'a damaged entry is a notice, never a failed step');
  assert.equal(propertyValues(xml, 'guest.origin'), ['snapshot made']);
  await assertCacheClean(shared.cache, run);
});

test('a memory file damaged in place, its size, inode and mtime kept: QEMU refuses it and it is made again', async () => {
  // A run trusts an entry by size, inode and mtime without reading it; damage that keeps
  // all three is QEMU's to refuse, and the refusal must remake the entry, not fail the run.
  const [entry] = (await readdir(shared.cache)).filter((n) => /^[0-9a-f]{24}$/.test(n));
  const memory = path.join(shared.cache, entry, 'memory.state');
  const before = await stat(memory, { bigint: true });
  const file = await open(memory, 'r+');
  await file.write(Buffer.from('NOT A MIGRATION STREAM'), 0, undefined, 0);
  await file.close();
  await execa('touch', ['-m', '-d', `@${before.mtimeNs / 1_000_000_000n}.${String(before.mtimeNs % 1_000_000_000n).padStart(9, '0')}`, memory]);
  const after = await stat(memory, { bigint: true });
  assert.equal([after.ino, after.size, after.mtimeNs], [before.ino, before.size, before.mtimeNs], 'the damage kept what a run checks');
  const run = await runHarness(['run', await scenarioFile(clockScenario('snapshot damaged in place'))], { env: { HARNESS_CACHE_DIR: shared.cache } });
  assert.is(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stderr, new RegExp(`snapshot ${entry} could not be restored \\(.*\\); it is made again`));
  const { xml, outcomes } = await outcomeOf(run);
  assert.equal(outcomes, ['passed', 'passed'], 'a refused entry is a notice, never a failed step');
  assert.equal(propertyValues(xml, 'guest.origin'), ['snapshot made']);
  await assertCacheClean(shared.cache, run);
});

test('QEMU killed while the snapshot is written: the scenario boots cold, and the next run is good', async () => {
  const cache = await tempDir();
  const file = await scenarioFile(clockScenario('snapshot killed while saving'));
  let killed = '';
  const run = await runHarness(['run', file], {
    env: { HARNESS_CACHE_DIR: cache },
    whileRunning: () => {
      const timer = setInterval(async () => {
        const temp = (await readdir(cache).catch(() => [] as string[])).find((n) => n.includes('.tmp-'));
        if (!temp || !existsSync(path.join(cache, temp, 'memory.state'))) return;
        clearInterval(timer);
        for (const pid of await qemuUsing(path.join(cache, temp))) {
          process.kill(pid, 'SIGKILL');
          killed = String(pid);
        }
      }, 20);
      setTimeout(() => clearInterval(timer), 280_000);
    },
  });
  assert.ok(killed, 'the test found QEMU writing the snapshot and killed it');
  assert.is(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stderr, /no snapshot could be made \(.*\); booting cold/);
  const { xml } = await outcomeOf(run);
  assert.equal(propertyValues(xml, 'guest.origin'), ['cold boot']);
  await assertCacheClean(cache, run);

  const next = await runHarness(['run', file], { env: { HARNESS_CACHE_DIR: cache } });
  assert.is(next.exitCode, 0, next.stdout + next.stderr);
  assert.equal(propertyValues((await outcomeOf(next)).xml, 'guest.origin'), ['snapshot made']);
});

test('the cache\'s disk full: the scenario boots cold with a notice, nothing is left', async () => {
  const mount = await tempDir();
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mount]);
  try {
    const file = await scenarioFile(clockScenario('snapshot cache disk full'));
    const run = await runHarness(['run', file], { env: { HARNESS_CACHE_DIR: mount } });
    assert.is(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stderr, /no snapshot could be made \(.*\); booting cold/);
    const { xml, outcomes } = await outcomeOf(run);
    assert.equal(outcomes, ['passed', 'passed']);
    assert.equal(propertyValues(xml, 'guest.origin'), ['cold boot']);
    await assertCacheClean(mount, run);
  } finally {
    await execa('umount', [mount], { reject: false });
  }
});

test('two runs racing for one entry: one makes it, the other waits and restores it', async () => {
  const cache = await tempDir();
  const file = await scenarioFile(clockScenario('snapshot race'));
  const env = { HARNESS_CACHE_DIR: cache };
  const runs = await Promise.all([runHarness(['run', file], { env }), runHarness(['run', file], { env })]);
  const origins: string[] = [];
  for (const run of runs) {
    assert.is(run.exitCode, 0, run.stdout + run.stderr);
    origins.push(...propertyValues((await outcomeOf(run)).xml, 'guest.origin'));
    await assertCacheClean(cache, run);
  }
  assert.equal(origins.sort(), ['snapshot made', 'snapshot restored']);
  assert.is((await readdir(cache)).filter((n) => /^[0-9a-f]{24}$/.test(n)).length, 1);
});

test.run();
