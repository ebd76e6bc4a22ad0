// The fault matrix, each fault injected into a real guest: the outcome names the fault
// (a failure when the guest did it to itself, an error when the host or QEMU did; only
// the host's is rerun by --retries), the rest is skipped, the JUnit report still
// validates and nothing (QEMU, temp dirs) is left behind.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  leftovers, printed, processesMarked, REPO_ROOT, runHarness, scenarioFile, tempDir, testcases, validateJUnit, type HarnessRun,
} from '../support/harness.js';

/** A scenario whose first step passes and whose second is where the fault lands. */
const threeSteps = (name: string, faultStep: string, head = '') => `
name: "${name}"
image: debian-bookworm
timeout: 4m
${head}
steps:
  - name: before the fault
    run: "true"
  - name: the fault
    ${faultStep}
  - name: after the fault
    run: "true"
`;

async function assertCleanError(run: HarnessRun, exitCode: number, message: RegExp): Promise<string> {
  assert.is(run.exitCode, exitCode, `exit status\n${run.stdout}\n${run.stderr}`);
  const validation = await validateJUnit(run.junit);
  assert.ok(validation.ok, validation.output);
  const xml = await readFile(run.junit, 'utf8');
  assert.match(xml, message);
  assert.equal(await leftovers(run), [], 'nothing may outlive the run');
  return xml;
}

const outcomes = (xml: string) => testcases(xml).map((c) => c.outcome);

// Mounting a small tmpfs needs root; elsewhere these tests are reported skipped, not passed.
const asRoot = process.getuid?.() === 0 ? test : test.skip;

test('QEMU killed mid-step: that step is an error naming it, the rest skipped, exit 3', async () => {
  const file = await scenarioFile(threeSteps('fault: qemu killed', 'run: sleep 120'));
  const run = await runHarness(['run', file], {
    whileRunning: (child, runId) =>
      void printed(child, /✔ before the fault/).then(async () => {
        // This run's QEMU only: other runs on the machine carry the marker with other ids.
        const [qemu] = (await processesMarked(`HARNESS_TEST_RUN=${runId}`)).filter((p) => p.includes('qemu-system') && p.includes('-name harness-'));
        if (qemu) process.kill(Number(qemu.split(' ')[0]), 'SIGKILL');
      }),
  });
  const xml = await assertCleanError(run, 3, /QEMU exited unexpectedly \(signal SIGKILL\)/);
  assert.equal(outcomes(xml), ['passed', 'error', 'skipped']);
});

test('a kernel panic a step causes is a failure of the guest: one attempt whatever --retries says, the panic quoted, the serial log attached, exit 1', async () => {
  const file = await scenarioFile(threeSteps('fault: kernel panic', 'run: echo c > /proc/sysrq-trigger'));
  const run = await runHarness(['run', file, '--retries', '2']);
  const xml = await assertCleanError(run, 1, /kernel panic on the serial console/);
  assert.match(xml, /Kernel panic - not syncing: sysrq triggered crash/);
  assert.equal(outcomes(xml), ['passed', 'failure', 'skipped']);
  assert.not.match(run.stderr, /retrying/, 'what the guest did to itself is never retried');
  assert.not.match(xml, /<rerun|<flaky|name="attempts"/);
  const failed = /<testcase name="the fault"[\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
  const serialLog = /\[\[ATTACHMENT\|(\S*serial\.log)\]\]/.exec(failed)?.[1];
  assert.ok(serialLog, `the failure links the serial log:\n${failed}`);
  assert.match(await readFile(path.resolve(path.dirname(run.junit), serialLog), 'utf8'), /Kernel panic - not syncing: sysrq triggered crash/);
});

test('the SSH connection dropping under a step while QEMU runs is the guest\'s doing: a failure, not a hang', async () => {
  const file = await scenarioFile(threeSteps('fault: ssh drops', 'run: pkill -KILL -x sshd; sleep 60'));
  const run = await runHarness(['run', file, '--retries', '1']);
  const xml = await assertCleanError(run, 1, /SSH connection (dropped|closed)/);
  assert.equal(outcomes(xml), ['passed', 'failure', 'skipped']);
  assert.not.match(run.stderr, /retrying/);
  assert.ok(run.durationMs < 120_000, `took ${run.durationMs} ms`);
});

test('--retries reruns a scenario after an error of the host\'s (QEMU killed); a pass on the rerun says so, and the first attempt keeps its evidence', async () => {
  const file = await scenarioFile(threeSteps('fault: retried', 'run: sleep 20'));
  const run = await runHarness(['run', file, '--retries', '2'], {
    // the first attempt's QEMU only: the promise is spent once it has killed one
    whileRunning: (child, runId) =>
      void printed(child, /✔ before the fault/).then(async () => {
        const [qemu] = (await processesMarked(`HARNESS_TEST_RUN=${runId}`)).filter((p) => p.includes('qemu-system') && p.includes('-name harness-'));
        if (qemu) process.kill(Number(qemu.split(' ')[0]), 'SIGKILL');
      }),
  });
  const xml = await assertCleanError(run, 0, /<flakyError message="[^"]*QEMU exited unexpectedly \(signal SIGKILL\)/);
  assert.match(run.stderr, /retrying "fault: retried" after an error of the host's, not the guest's \(retry 1 of 2\)/);
  assert.not.match(run.stderr, /retry 2 of 2/);
  assert.equal(outcomes(xml), ['passed', 'passed', 'passed']);
  assert.match(xml, /<property name="attempts" value="2"\/>/);
  assert.match(run.stdout, /3 passed, 0 failed, 0 errors, 0 skipped in [^;\n]+; 1 scenario passed only on a retry/);
  const flaky = /<flakyError[\s\S]*?<\/flakyError>/.exec(xml)?.[0] ?? '';
  const serialLog = /\[\[ATTACHMENT\|(\S*serial\.log)\]\]/.exec(flaky)?.[1];
  assert.ok(serialLog, `the first attempt's evidence stays linked:\n${flaky}`);
  assert.match(serialLog, /^artifacts\/fault_retried\//);
  await readFile(path.resolve(path.dirname(run.junit), serialLog), 'utf8');
});

test('a scenario over its timeout is an error naming the limit', async () => {
  const file = await scenarioFile(threeSteps('fault: timeout', 'run: sleep 600').replace('timeout: 4m', 'timeout: 50s'));
  const run = await runHarness(['run', file]);
  const xml = await assertCleanError(run, 3, /exceeded its timeout of 50s/);
  assert.ok(run.durationMs < 80_000, `took ${run.durationMs} ms`);
  assert.ok(outcomes(xml).includes('error'));
});

test('setup the guest refuses is an error naming the file, line and key, with what the guest said', async () => {
  const file = await scenarioFile(`
name: fault, setup refused
image: debian-bookworm
timeout: 4m
files:
  /etc/fine:
    content: fine
  /etc/owned-by-nobody-known:
    content: x
    owner: no-such-user
steps:
  - run: cat /etc/fine
  - run: "true"
`);
  const run = await runHarness(['run', file]);
  const xml = await assertCleanError(run, 3, /could not start \(SetupError: [^"]*:8:3 files\.\/etc\/owned-by-nobody-known: chown: invalid [^"]*no-such-user/);
  assert.equal(outcomes(xml), ['error', 'skipped']);
});

for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} to the process group stops every VM, writes the report, exits ${status}`, async () => {
    const file = await scenarioFile(threeSteps(`fault: ${signal}`, 'run: sleep 120'));
    const run = await runHarness(['run', file], {
      detached: true,
      whileRunning: (child) => void printed(child, /✔ before the fault/).then(() => process.kill(-child.pid!, signal)),
    });
    const xml = await assertCleanError(run, status, new RegExp(`interrupted[^"]*${signal}`));
    assert.equal(outcomes(xml), ['passed', 'error', 'skipped']);
  });
}

asRoot('a full host disk under the overlay is an error saying so, not a hang', async () => {
  const tmp = await tempDir();
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'harness-test-full', tmp]);
  try {
    const file = await scenarioFile(threeSteps('fault: disk full', 'run: dd if=/dev/urandom of=/var/tmp/big bs=1M count=64 conv=fsync'));
    const run = await runHarness(['run', file], { env: { TMPDIR: tmp } });
    assert.is(run.exitCode, 3, run.stdout + run.stderr);
    const xml = await readFile(run.junit, 'utf8');
    assert.ok((await validateJUnit(run.junit)).ok);
    assert.match(xml, /the host disk holding \S+ is full/);
    assert.equal(await leftovers(run, tmp), []);
  } finally {
    await execa('umount', [tmp]);
  }
});

asRoot('a report that cannot be written for a full disk is a clear error naming it, exit 3', async () => {
  const full = await tempDir();
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'harness-test-full', full]);
  try {
    await execa('sh', ['-c', `cat /dev/zero > ${full}/filler`], { reject: false });
    const file = await scenarioFile(threeSteps('fault: report disk full', 'run: "true"'));
    const junit = path.join(full, 'reports/junit.xml');
    const run = await runHarness(['run', file, '--images-dir', await tempDir()], { junit });
    assert.is(run.exitCode, 3);
    assert.match(run.stderr, new RegExp(`could not write the JUnit report ${junit}: .*ENOSPC`), run.stderr);
    assert.match(run.stdout, /fault: report disk full|0 passed/, 'what was learned before is still on the console');
  } finally {
    await execa('umount', [full]);
  }
});

test('an image nobody built is refused before anything boots, naming the command that builds it, exit 2', async () => {
  const file = await scenarioFile(threeSteps('fault: no image', 'run: "true"'));
  const empty = await tempDir();
  const run = await runHarness(['run', file, '--images-dir', empty]);
  await assertCleanError(run, 2, /debian-bookworm/);
  assert.match(run.stderr, /image debian-bookworm is not built: build it with `images\/build-if-needed\.sh debian-bookworm`/);
  assert.ok(run.durationMs < 15_000, 'nothing may boot');
});

test('a corrupt image.json is refused with its path, exit 3', async () => {
  const file = await scenarioFile(threeSteps('fault: corrupt image', 'run: "true"'));
  const images = await tempDir();
  const dir = path.join(images, 'debian-bookworm');
  await mkdir(dir);
  const real = path.join(REPO_ROOT, 'images/out/debian-bookworm');
  for (const name of ['kernel', 'initrd', 'disk.qcow2', 'id_ed25519']) await symlink(path.join(real, name), path.join(dir, name));
  await writeFile(path.join(dir, 'image.json'), '{"name": "debian-bookworm", trunc');
  const run = await runHarness(['run', file, '--images-dir', images]);
  await assertCleanError(run, 3, /debian-bookworm/);
  assert.match(run.stderr, new RegExp(`${dir}/image.json is not valid JSON`));
});

test.run();
