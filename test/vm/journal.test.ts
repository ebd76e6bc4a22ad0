// `journal:` on a real guest finds a line systemd logged about the unit from a process
// outside it, as systemd's forked child does when it sets up a service and then exits
// before journald learns its cgroup. `journalctl -u` misses such a line (it takes UNIT=
// from pid 1 alone), which made "the journal names the cause" red once in 37 runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readReportFile } from '../../harness/compare/read-junit.js';
import { leftovers, runHarness, scenarioFile, validateJUnit } from '../support/harness.js';

test('journal: holds the lines about the unit from any pid, and only those', async () => {
  const file = await scenarioFile(`
name: journal, lines about the unit
image: debian-bookworm
services:
  quiet:
    exec: /usr/bin/sleep infinity
steps:
  - start: quiet
  - name: a line about quiet from outside its cgroup, and one about another unit
    run: |
      printf 'MESSAGE=set-up failed here\\nUNIT=quiet.service\\n' | logger --journald
      printf 'MESSAGE=not about quiet\\nUNIT=other.service\\n' | logger --journald
  - name: the line about quiet is in its journal
    journal: quiet
    expect: {contains: set-up failed here}
  - name: the other unit's is not
    journal: quiet
    expect: {notContains: not about quiet}
`);
  const run = await runHarness(['run', file], { timeoutMs: 10 * 60_000 });
  const validation = await validateJUnit(run.junit);
  assert.ok(validation.ok, validation.output);
  assert.equal(await leftovers(run), []);
  const [suite] = await readReportFile(run.junit);
  assert.equal(suite.steps.map((step) => step.outcome), ['passed', 'passed', 'passed', 'passed'], run.stdout + run.stderr);
  assert.is(run.exitCode, 0);
});

// A restored guest booted when its snapshot was made: what ran at boot logged then, before
// the scenario began. `since: boot` reads it; the default (since the scenario began) does not.
test('journal: with since: boot reads what a unit of the image logged at boot, on a restored trixie guest', async () => {
  const file = await scenarioFile(`
name: journal, what ran at boot
image: debian-trixie
steps:
  - name: the guest was restored, so its boot is older than the scenario
    run: systemctl show -P ActiveEnterTimestampMonotonic systemd-journald.service
  - name: lastlog2-import ran at boot (its condition checked, its lines logged)
    journal: lastlog2-import.service
    since: boot
    expect: {contains: "lastlog2"}
  - name: since the scenario began, it logged nothing
    journal: lastlog2-import.service
    expect: {contains: "lastlog2"}
`);
  const run = await runHarness(['run', file], { timeoutMs: 10 * 60_000 });
  assert.ok((await validateJUnit(run.junit)).ok);
  assert.equal(await leftovers(run), []);
  const [suite] = await readReportFile(run.junit);
  assert.equal(suite.steps.map((step) => step.outcome), ['passed', 'passed', 'failed'], run.stdout + run.stderr);
  assert.match(suite.properties['guest.origin'] ?? '', /snapshot/, 'a restored guest, where the question arises');
});

test.run();
