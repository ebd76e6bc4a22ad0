// `chroot:` on a real guest, where the old probe gave false greens: a path the service's
// user may not look at (under /root, mode 0700) was "absent" because os.path.lexists
// answers False on EACCES, and `access:` without `default:` bounded only the paths it
// listed. One guest, one scenario, every case a step of it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readReportFile } from '../../harness/compare/read-junit.js';
import { leftovers, runHarness, scenarioFile, validateJUnit } from '../support/harness.js';

const RUN_MS = 15 * 60_000;

const SCENARIO = `
name: chroot probes that cannot look
image: debian-bookworm
timeout: 14m
files:
  /root/harness-secret:
    content: there all along
services:
  # /root (0700, root's) bound into the chroot: the DynamicUser may not search it, root may
  peek:
    exec: /usr/bin/sleep infinity
    user: dynamic
    serviceConfig: {BindReadOnlyPaths: /root, StateDirectory: peek}
    confinement: {mode: chroot-only}
  rootpeek:
    exec: /usr/bin/sleep infinity
    serviceConfig: {BindReadOnlyPaths: /root}
    confinement: {mode: chroot-only}
steps:
  - start: peek
  - start: rootpeek
  - name: root sees the file
    chroot: rootpeek
    expect: {contains: [/root/harness-secret], absent: [/etc/passwd]}
  - name: absent on a file the service may not look at
    chroot: peek
    expect: {absent: [/etc/passwd, /root/harness-secret]}
  - name: contains on it
    chroot: peek
    expect: {contains: [/usr/bin/sleep, /root/harness-secret]}
  - name: root sees it present
    chroot: rootpeek
    expect: {absent: [/root/harness-secret]}
  - name: what is not there is still absent for the user
    chroot: peek
    expect: {absent: [/etc/passwd, /home]}
  - name: access without default, the user's writable state directory unlisted
    chroot: peek
    expect: {access: {/usr: readable}}
  - name: access without default, the state directory listed
    chroot: peek
    expect: {access: {/var/lib/peek: writable}}
  - name: access without default, root may write
    chroot: rootpeek
    expect: {access: {/usr: readable}}
`;

test('absent: fails when the service may not look; access: without default: bounds the whole root as NixOS does', async () => {
  const run = await runHarness(['run', await scenarioFile(SCENARIO)], { timeoutMs: RUN_MS });
  const validation = await validateJUnit(run.junit);
  assert.ok(validation.ok, validation.output);
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive the run');
  const [suite] = await readReportFile(run.junit);
  const steps = Object.fromEntries(suite.steps.map((step) => [step.name, step]));
  const said = suite.steps.map((step) => `${step.name}: ${step.outcome} ${step.message ?? ''}`).join('\n');
  assert.equal(
    suite.steps.map((step) => step.outcome),
    ['passed', 'passed', 'passed', 'failed', 'failed', 'failed', 'passed', 'failed', 'passed', 'passed'],
    said,
  );
  assert.is(run.exitCode, 1, run.stdout + run.stderr);

  const cannotLook = "could not look at /root/harness-secret (Permission denied), as the service's user";
  assert.is(steps['absent on a file the service may not look at'].message, `absent: ${cannotLook}`);
  assert.is(steps['contains on it'].message, `contains: ${cannotLook}`);
  assert.is(steps['root sees it present'].message, 'absent: present /root/harness-secret');
  assert.equal(steps['absent on a file the service may not look at'].observed?.probes, {
    '/etc/passwd': 'absent',
    '/root/harness-secret': 'could not look (Permission denied)',
  });
  assert.equal(steps['what is not there is still absent for the user'].observed?.probes, { '/etc/passwd': 'absent', '/home': 'absent' });
  assert.match(steps['access without default, the user\'s writable state directory unlisted'].message ?? '', /\/var\/lib\/peek is writable, at most readable allowed/);
});

test.run();
