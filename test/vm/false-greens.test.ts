// Checks that used to pass without checking anything, on a real guest: `unit:` and
// `journal:` on a unit systemd does not know, a service named like one of the image's
// units or aliases, `pam:` on a service with no /etc/pam.d file or without pamtester.
// An expectation that a saved value left empty (`contains: ""`) checked nothing either.
// Every step below passed before; each is now an error that names what is missing. The
// two scenarios run in one harness run, one guest after the other (restored ones).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readReportFile } from '../../harness/compare/read-junit.js';
import type { ComparedSuite } from '../../harness/compare/model.js';
import { leftovers, runHarness, tempDir, validateJUnit } from '../support/harness.js';

const RUN_MS = 20 * 60_000;

const STEPS_SCENARIO = `
name: false greens, steps
image: debian-bookworm
timeout: 10m
services:
  gone:
    exec: /usr/bin/sleep infinity
  sshd-alias:
    # Debian's alias of ssh.service: a unit systemd knows, by another name
    unit: sshd.service
steps:
  - name: the unit file goes
    run: rm /etc/systemd/system/gone.service && systemctl daemon-reload
  - name: a unit systemd does not know is not inactive
    unit: gone
    expect: {ActiveState: inactive}
  - name: nor has it an empty journal
    journal: gone
    expect: {notContains: anything}
  - name: a step about its loading is answered
    unit: gone
    expect: {LoadState: not-found}
  - name: a line about ssh.service, by its own name
    # not sshd's own log of a connection: its per-connection child logs and exits at once,
    # and journald may then not learn its unit (see journalQuery), a 1-in-N red
    run: printf 'MESSAGE=a line about the unit behind the alias\\nUNIT=ssh.service\\n' | logger --journald
  - name: an alias's journal is its unit's
    journal: sshd-alias
    expect: {contains: "a line about the unit behind the alias"}
  - name: a PAM service with no file is not judged by the other stack
    pam: {service: no-such-pam-service, user: root, op: acct_mgmt}
    expect: success
  - name: pamtester goes
    run: mv /usr/bin/pamtester /root/pamtester.off
  - name: a missing pamtester is not PAM's failure
    pam: {service: login, user: root, op: acct_mgmt}
    expect: failure
  - name: later steps still run
    run: "true"
  - name: a command that prints nothing
    run: "true"
    save: nothing
  - name: an empty saved value is no text to look for
    run: echo hello
    expect: {stdout: {contains: "\${{ nothing }}"}}
`;

const SETUP_SCENARIO = `
name: false greens, setup
image: debian-bookworm
timeout: 10m
services:
  systemd-hostnamed:
    exec: /usr/bin/sleep infinity
  dbus-org.freedesktop.hostname1:
    exec: /usr/bin/sleep infinity
  ghost:
    unit: no-such-thing.service
  fine:
    exec: /usr/bin/sleep infinity
steps:
  - name: a unit the image lacks is not inactive
    unit: ghost
    expect: {ActiveState: inactive}
  - start: dbus-org.freedesktop.hostname1
  - start: systemd-hostnamed
`;

async function report(junit: string, run: { runId: string; pid?: number }): Promise<ComparedSuite[]> {
  const validation = await validateJUnit(junit);
  assert.ok(validation.ok, validation.output);
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive the run');
  return readReportFile(junit);
}

const outcomes = (suite: ComparedSuite) => suite.steps.map((step) => step.outcome);

test('unknown units, taken unit names and PAM without PAM are errors that say why, not greens', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'a-steps.yaml'), STEPS_SCENARIO);
  await writeFile(path.join(dir, 'b-setup.yaml'), SETUP_SCENARIO);
  const run = await runHarness(['run', dir, '--workers', '1'], { timeoutMs: RUN_MS });
  assert.is(run.exitCode, 3, `errors and no failure\n${run.stdout}${run.stderr}`);
  const suites = await report(run.junit, run);
  const steps = suites.find((s) => s.scenario === 'false greens, steps')!;
  const setup = suites.find((s) => s.scenario === 'false greens, setup')!;
  assert.ok(steps && setup, suites.map((s) => s.scenario).join(', '));

  assert.equal(outcomes(steps), ['passed', 'error', 'error', 'passed', 'passed', 'passed', 'error', 'passed', 'error', 'passed', 'passed', 'error'], run.stdout);
  const message = (i: number) => steps.steps[i].message ?? '';
  assert.match(message(1), /CheckError: systemd does not know gone\.service \(LoadState=not-found\)/);
  assert.match(message(2), /systemd does not know gone\.service/);
  assert.match(message(6), /no \/etc\/pam\.d\/no-such-pam-service: PAM would judge by its `other` stack/);
  assert.match(message(8), /pamtester could not be run \(exit 127, not found\)/);
  // "" is in every text: the clause the loader refuses when written is refused once filled in too
  assert.match(message(11), /expect\.stdout\.contains: contains is empty once `\$\{\{ nothing \}\}` is filled in/);
  assert.match(message(11), /`nothing` is empty: "a command that prints nothing" \(\S*a-steps\.yaml:\d+:\d+\) saved it/);

  assert.equal(outcomes(setup), ['error', 'skipped', 'skipped'], run.stdout);
  const why = setup.steps[0].message ?? '';
  assert.match(why, /SetupError: /);
  assert.match(why, /b-setup\.yaml:\d+:\d+ services\.systemd-hostnamed: service `systemd-hostnamed` would be written as \/etc\/systemd\/system\/systemd-hostnamed\.service, but the image already has a unit systemd-hostnamed\.service/);
  assert.match(why, /services\.dbus-org\.freedesktop\.hostname1: .*already has dbus-org\.freedesktop\.hostname1\.service as an alias of systemd-hostnamed\.service/);
  assert.match(why, /services\.ghost: unit no-such-thing\.service: the image has no such unit/);
  assert.not.match(why, /services\.fine/);
});

test.run();
