// The console steps on a real guest where they cannot hold: a prompt that never comes is a
// failure once `within` runs out, with the screen as it was; a console the guest has not
// got is an error naming it, and the steps after it still run (the guest is as it was).
// A negative `screen: serial` check reads everything since the steps began, not an empty
// window; a long `type:` arrives whole, not cut where QEMU's keyboard queue overflowed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readReportFile } from '../../harness/compare/read-junit.js';
import { leftovers, runHarness, scenarioFile, validateJUnit } from '../support/harness.js';

test('screen: a prompt that never comes fails with the screen; a missing console is an error', async () => {
  const file = await scenarioFile(`
name: console faults
image: debian-bookworm
timeout: 5m
steps:
  - name: a prompt that never comes
    screen: tty1
    within: 3s
    expect: {contains: "no such prompt"}
  - name: a console the guest has not got
    screen: tty9
    expect: {contains: x}
  - key: alt-f2
  - screen: tty2
    line: cursor
    within: 60s
    expect: {matches: "login:$"}
`);
  const run = await runHarness(['run', file], { timeoutMs: 10 * 60_000 });
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  assert.ok((await validateJUnit(run.junit)).ok);
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive the run');
  const [suite] = await readReportFile(run.junit);
  assert.equal(suite.steps.map((s) => s.outcome), ['failed', 'error', 'passed', 'passed'], run.stdout);
  assert.match(suite.steps[0].message ?? '', /tty1: expected contains "no such prompt", got .*still not holding after \d+ attempts within 3000 ms/);
  assert.match(suite.steps[1].message ?? '', /CheckError: cannot read tty9's screen \(\/dev\/vcs9\)/);
  assert.match(String(suite.steps[3].observed?.cursorLine ?? ''), /login:$/);
});

test('screen: serial, a negative check sees the login prompt printed since the steps began', async () => {
  const file = await scenarioFile(`
name: console, serial negatives
image: debian-bookworm
timeout: 5m
steps:
  - name: a login prompt on the serial console
    run: systemctl restart serial-getty@ttyS0.service
  - name: the serial console shows it
    screen: serial
    line: cursor
    within: 60s
    expect: {matches: "login:$"}
  - name: no login prompt since the steps began
    screen: serial
    expect: {notContains: "login:"}
  - name: nor is the cursor at one
    screen: serial
    line: cursor
    expect: {not: {matches: "login:$"}}
`);
  const run = await runHarness(['run', file], { timeoutMs: 10 * 60_000 });
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive the run');
  const [suite] = await readReportFile(run.junit);
  // both negatives passed before, on the empty window the step that held left behind
  assert.equal(suite.steps.map((s) => s.outcome), ['passed', 'passed', 'failed', 'failed'], run.stdout);
  assert.match(suite.steps[2].message ?? '', /^serial since the steps began: expected does not contain "login:", got ".*login:"$/);
  assert.match(suite.steps[3].message ?? '', /^the cursor's line on serial: expected not matches \/login:\$\/, got "\S+ login:"$/);
});

// 2,000 characters of letters, digits and shifted symbols: far more key events than
// QEMU's keyboard queue holds at once.
const LONG_LINE = Array.from({ length: 2000 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEF-=.,/+_:'[i % 50]).join('');

test('type: a 2,000-character line arrives whole on a virtual console, one no getty takes', async () => {
  const file = await scenarioFile(`
name: console, a long line
image: debian-bookworm
timeout: 5m
steps:
  # tty8: logind starts no getty there (NAutoVTs=6) to take the console from the reader
  - name: a reader on tty8
    run: "setsid sh -c 'exec cat > /tmp/typed' < /dev/tty8 > /dev/tty8 2>&1 &"
  - key: alt-f8
  - name: tty8 is in front
    file: /sys/class/tty/tty0/active
    within: 30s
    expect: {content: tty8}
  - name: the long line
    type: "${LONG_LINE}\\n"
  - name: every character arrived, in order
    run: cat /tmp/typed
    within: 30s
    expect: {stdout: {equals: "${LONG_LINE}"}}
`);
  const run = await runHarness(['run', file], { timeoutMs: 10 * 60_000 });
  const [suite] = await readReportFile(run.junit);
  const typed = suite.steps[3];
  console.log(`typing ${LONG_LINE.length + 1} characters took ${typed?.durationMs} ms`);
  assert.is(run.exitCode, 0, run.stdout + run.stderr);
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive the run');
  assert.equal(suite.steps.map((s) => s.outcome), ['passed', 'passed', 'passed', 'passed', 'passed'], run.stdout);
});

test.run();
