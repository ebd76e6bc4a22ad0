// `reboot:` on real guests restored from a snapshot: the guest boots again for real and the
// steps after it run in the new boot; a crash around a reboot ends the scenario (a failure
// when the guest's doing, an error when QEMU's), and a reboot that does not happen is a
// failure of the guest that says what it waited for. Saved values
// cross the reboot, and one whose step failed makes its user an error, not an empty string.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readReportFile } from '../../harness/compare/read-junit.js';
import type { ComparedSuite } from '../../harness/compare/model.js';
import { leftovers, printed, processesMarked, runHarness, scenarioFile, tempDir, validateJUnit, type HarnessRun } from '../support/harness.js';

// Under TCG with other guests about, one reboot has taken four minutes.
const RUN_MS = 15 * 60_000;

async function report(run: HarnessRun): Promise<ComparedSuite[]> {
  const validation = await validateJUnit(run.junit);
  assert.ok(validation.ok, validation.output);
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive the run');
  return readReportFile(run.junit);
}

const outcomes = (suite: ComparedSuite) => suite.steps.map((step) => step.outcome);
const restored = (suite: ComparedSuite) => ['snapshot made', 'snapshot restored'].includes(suite.properties['guest.origin']);

test('a restored guest reboots for real: a new boot id, the disk kept, the host\'s clock, later steps in the new boot', async () => {
  const hostNow = Math.floor(Date.now() / 1000);
  const file = await scenarioFile(`
name: reboot, restored guest
image: debian-bookworm
timeout: 14m
steps:
  - run: echo kept > /var/tmp/written-before
  - run: tr -d - < /proc/sys/kernel/random/boot_id
    save: before
  - reboot:
  - name: a new boot, and the journal of the one before
    run: test "$(tr -d - < /proc/sys/kernel/random/boot_id)" != \${{ before }} && journalctl --boot=\${{ before }} -q -n1 >/dev/null
  - file: /var/tmp/written-before
    expect: {content: kept}
  - name: the clock is the host's
    # written at ${hostNow}; a fresh boot reads the emulated RTC, which follows the host
    run: 'now=$(date +%s); [ $now -ge ${hostNow} ] && [ $now -le $(( ${hostNow} + 1800 )) ] || { echo "guest clock $now"; exit 1; }'
  - name: a reboot nobody asked for (at once, by sysrq) still ends QEMU (-no-reboot is back)
    run: echo b > /proc/sysrq-trigger; sleep 300
  - name: not run
    run: "true"
`);
  const run = await runHarness(['run', file], { timeoutMs: RUN_MS });
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  const [suite] = await report(run);
  assert.ok(restored(suite), `a guest restored from a snapshot, not ${suite.properties['guest.origin']}`);
  assert.equal(outcomes(suite), ['passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'failed', 'skipped'], run.stdout);
  const reboot = suite.steps[2];
  assert.is(reboot.name, 'reboot');
  assert.equal(reboot.observed, { bootId: 'changed', systemState: 'running' });
  const xml = await readFile(run.junit, 'utf8');
  const ids = /boot id before: (\S+)\nboot id after: +(\S+)/.exec(xml);
  assert.ok(ids && ids[1] !== ids[2], `the old and new boot ids in system-out: ${ids?.[0]}`);
  assert.match(suite.steps[6].message ?? '', /the guest shut down or rebooted by itself: QEMU, which runs with -no-reboot, exited with status 0/);
});

test('a kernel panic while the guest reboots is a failure quoting it, and the hung QEMU is stopped', async () => {
  const file = await scenarioFile(`
name: reboot, panic
image: debian-bookworm
timeout: 6m
steps:
  - name: before
    run: "true"
  - name: the kernel panics instead of rebooting, and then hangs (panic=0)
    reboot: echo 0 > /proc/sys/kernel/panic && echo c > /proc/sysrq-trigger
  - name: after
    run: "true"
`);
  const run = await runHarness(['run', file], { timeoutMs: RUN_MS });
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  const [suite] = await report(run);
  assert.equal(outcomes(suite), ['passed', 'failed', 'skipped']);
  assert.match(suite.steps[1].message ?? '', /kernel panic on the serial console/);
  assert.match(await readFile(run.junit, 'utf8'), /Kernel panic - not syncing: sysrq triggered crash/);
});

test('QEMU killed while the guest reboots: an error naming it, nothing left behind', async () => {
  const file = await scenarioFile(`
name: reboot, qemu killed
image: debian-bookworm
timeout: 10m
steps:
  - name: before the reboot
    run: "true"
  - reboot:
  - name: after
    run: "true"
`);
  let killed = false;
  const run = await runHarness(['run', file], {
    timeoutMs: RUN_MS,
    whileRunning: (child, runId) =>
      void printed(child, /✔ before the reboot/).then(async () => {
        await new Promise((resolve) => setTimeout(resolve, 3000)); // into the reboot
        const [qemu] = (await processesMarked(`HARNESS_TEST_RUN=${runId}`)).filter((p) => p.includes('qemu-system') && p.includes('-name harness-'));
        if (qemu) process.kill(Number(qemu.split(' ')[0]), 'SIGKILL');
        killed = Boolean(qemu);
      }),
  });
  assert.ok(killed, 'the test found the run\'s QEMU and killed it');
  assert.is(run.exitCode, 3, run.stdout + run.stderr);
  const [suite] = await report(run);
  assert.equal(outcomes(suite), ['passed', 'error', 'skipped']);
  assert.match(suite.steps[1].message ?? '', /QEMU exited unexpectedly \(signal SIGKILL\)/);
});

test('a reboot refused, never begun, or whose guest never answers again: failures of the guest that say what was awaited', async () => {
  const dir = await tempDir();
  const scenario = (name: string, step: string) => `name: ${name}\nimage: debian-bookworm\ntimeout: 8m\nsteps:\n${step}  - name: after\n    run: "true"\n`;
  await writeFile(path.join(dir, 'a.yaml'), scenario('reboot refused', '  - reboot: echo no >&2; false\n'));
  await writeFile(path.join(dir, 'b.yaml'), scenario('reboot never begun', '  - reboot: "true"\n    within: 5s\n'));
  await writeFile(path.join(dir, 'c.yaml'), scenario('reboot without ssh after it', '  - reboot: systemctl mask --quiet ssh.service && systemctl reboot\n    within: 100s\n'));
  const run = await runHarness(['run', dir, '--retries', '1'], { timeoutMs: RUN_MS });
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  assert.not.match(run.stderr, /retrying/, 'what the guest did is never rerun');
  const suites = await report(run);
  const bySuite = Object.fromEntries(suites.map((suite) => [suite.scenario, suite]));
  for (const suite of suites) assert.equal(outcomes(suite), ['failed', 'skipped'], suite.scenario);
  assert.is(bySuite['reboot refused'].steps[0].message, 'RebootError: `echo no >&2; false` exited 1: no');
  assert.match(bySuite['reboot never begun'].steps[0].message ?? '', /^RebootError: the guest to restart after `true`: not within [\d.]+ s \(last: QEMU has not reset it\)$/);
  assert.match(bySuite['reboot without ssh after it'].steps[0].message ?? '', /^RebootError: after the reboot, guest not reachable over SSH within \d+ ms: /);
});

test('a saved value crosses steps; one whose step failed makes its user an error, and later steps still run', async () => {
  const file = await scenarioFile(`name: saved values
image: debian-bookworm
timeout: 5m
steps:
  - run: printf '  abc\\n\\n'
    save: good
  - name: the value, trimmed, in a command and an expectation
    run: echo "<\${{ good }}>"
    expect: {stdout: "<\${{good}}>"}
  - name: saves, but fails
    run: echo xyz; exit 1
    save: bad
  - name: uses the value that was not saved
    run: echo "\${{ bad }}"
  - name: runs after
    run: "true"
`);
  const run = await runHarness(['run', file], { timeoutMs: RUN_MS });
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  const [suite] = await report(run);
  assert.equal(outcomes(suite), ['passed', 'passed', 'failed', 'error', 'passed']);
  assert.is(suite.steps[1].observed?.stdout, '<abc>');
  assert.is(suite.steps[3].message, `UnsavedValue: \`\${{ bad }}\` has no value: "saves, but fails" (${file}:10:5), which saves it, failed`);
});

test.run();
