// The CLI end to end against real guests: pass, fail, and a guest that never boots.
import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readReport } from '../../harness/compare/read-junit.js';
import { leftovers, runHarness, scenarioFile, testcases, validateJUnit, type HarnessRun } from '../support/harness.js';

async function assertNothingLeft(run: HarnessRun): Promise<void> {
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive a run');
}

test('a passing scenario exits 0 with every step passed in a valid report', async () => {
  const file = await scenarioFile(`
name: vm test, passing
image: debian-bookworm
timeout: 4m
files:
  /etc/motd-test:
    content: "hi\\n"
sysctl:
  vm.swappiness: 7
services:
  sleeper:
    exec: /usr/bin/sleep infinity
steps:
  - run: cat /etc/motd-test
    expect: {stdout: hi}
  - file: /proc/sys/vm/swappiness
    expect: {content: "7"}
  - start: sleeper
  - unit: sleeper
    expect: {SubState: running}
`);
  const run = await runHarness(['run', file]);
  assert.is(run.exitCode, 0, run.stdout + run.stderr);
  assert.ok((await validateJUnit(run.junit)).ok);
  const cases = testcases(await readFile(run.junit, 'utf8'));
  assert.equal(cases.map((c) => c.outcome), ['passed', 'passed', 'passed', 'passed']);
  // each step keeps what the guest showed, normalised, and the report alone carries it
  const [suite] = readReport(await readFile(run.junit, 'utf8'), run.junit);
  assert.equal(suite.steps[0].observed, { exit: 0, stdout: 'hi', stderr: '' });
  assert.equal(suite.steps[1].observed, { exists: true, type: 'regular file', mode: '0644', owner: 'root', group: 'root', content: '7' });
  assert.equal(suite.steps[2].observed, { systemctlExit: 0, ActiveState: 'active', SubState: 'running', Result: 'success', ExecMainCode: '0', ExecMainStatus: '0' });
  assert.equal(suite.steps[3].observed, { SubState: 'running' });
  await assertNothingLeft(run);
});

test('a failed assertion is a failure, later steps still run, exit 1', async () => {
  const file = await scenarioFile(`
name: vm test, failing
image: debian-bookworm
timeout: 4m
steps:
  - name: wrong expectation
    run: echo actual-text
    expect: {stdout: expected-text}
  - name: still runs after the failure
    run: "true"
`);
  const run = await runHarness(['run', file]);
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  assert.ok((await validateJUnit(run.junit)).ok);
  const xml = await readFile(run.junit, 'utf8');
  assert.equal(testcases(xml).map((c) => c.outcome), ['failure', 'passed']);
  assert.match(xml, /expected-text/);
  assert.match(xml, /actual-text/);
  assert.equal(readReport(xml, run.junit)[0].steps[0].observed, { exit: 0, stdout: 'actual-text', stderr: '' }, 'a failed step keeps what it saw');
  await assertNothingLeft(run);
});

test('a guest that cannot boot (no root device) is a failure of the guest within its deadline, never rerun, exit 1', async () => {
  const file = await scenarioFile(`
name: vm test, no root device
image: debian-bookworm
timeout: 3m
vm:
  kernelParams: [root=/dev/nonexistent]
steps:
  - run: "true"
  - run: "true"
`);
  const run = await runHarness(['run', file, '--retries', '1']);
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  assert.not.match(run.stderr, /retrying/);
  assert.ok(run.durationMs < 150_000, `took ${run.durationMs} ms`);
  assert.ok((await validateJUnit(run.junit)).ok);
  const xml = await readFile(run.junit, 'utf8');
  assert.equal(testcases(xml).map((c) => c.outcome), ['failure', 'skipped']);
  assert.match(xml, /root device/);
  await assertNothingLeft(run);
});

test.run();
