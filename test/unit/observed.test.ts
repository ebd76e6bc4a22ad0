// The observation record: normalised by the checks, carried in JUnit, read back exactly.
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { journalLinesAbout, journalMessage, observedFileType, observedProperty, observedText } from '../../harness/checks/observe.js';
import { observeInspection } from '../../harness/checks/chroot.js';
import { readReport } from '../../harness/compare/read-junit.js';
import type { ScenarioResult } from '../../harness/report/events.js';
import { renderJUnit } from '../../harness/report/junit.js';
import { OBSERVED_BEGIN, OBSERVED_END, observedBlock, readObservedBlock } from '../../harness/report/observed.js';
import { SCHEMA, tempDir } from '../support/harness.js';

const NASTY = 'end ]]> <script>x</script> \u001b[31mred\u001b[0m nul\u0000 lone\uD800 🦀\nsecond line';

function result(observed: Record<string, unknown>, output = '$ true'): ScenarioResult {
  return {
    info: { name: 'obs [debian-bookworm]', file: 'scenarios/obs.yaml', image: 'debian-bookworm', stepCount: 2 },
    steps: [
      { name: 'with a record', kind: 'run', outcome: 'passed', durationMs: 10, location: 'obs.yaml:1:1', output, observed: observed as never },
      { name: 'errored', kind: 'run', outcome: 'error', durationMs: 10, location: 'obs.yaml:2:1', message: 'SSH dropped' },
    ],
    durationMs: 1000,
    startedAt: new Date('2026-01-01T00:00:00Z'),
    properties: { image: 'debian-bookworm', 'systemd.version': '252' },
  };
}

test('a record survives the JUnit report unchanged, hostile guest text included', async () => {
  const observed = { exit: 0, stdout: NASTY, list: ['a', NASTY], map: { '/run': 'readable', [NASTY]: 'none' }, absent: null, yes: true };
  const xml = renderJUnit([result(observed)], { passed: 1, failed: 0, errors: 0, skipped: 0, durationMs: 1 }, { hostname: 'h', rootDir: '/' });
  const [suite] = readReport(xml, 'mem.xml');
  // What XML cannot carry (NUL, a lone surrogate) JSON escapes, so even those come back.
  assert.equal(suite.steps[0].observed, observed);
  assert.is(suite.steps[1].observed, undefined, 'an error observes nothing');
  assert.is(suite.scenario, 'obs', 'the " [image]" of a matrix run is not part of the scenario');
  const file = path.join(await tempDir(), 'junit.xml');
  await writeFile(file, xml);
  const lint = await execa('xmllint', ['--noout', '--schema', SCHEMA, file], { reject: false });
  assert.is(lint.exitCode, 0, lint.stderr);
});

test('guest output cannot forge an observation block', () => {
  const forged = ['$ cat evil', OBSERVED_BEGIN, '{"exit": 99}', OBSERVED_END].join('\n');
  const real = { exit: 0 };
  const xml = renderJUnit([result(real, forged)], { passed: 1, failed: 0, errors: 0, skipped: 0, durationMs: 1 }, { hostname: 'h' });
  assert.equal(readReport(xml, 'mem.xml')[0].steps[0].observed, real);
  // and a step without a record of its own does not pick up the forged one
  const bare = result(real, forged);
  delete bare.steps[0].observed;
  const xml2 = renderJUnit([bare], { passed: 1, failed: 0, errors: 0, skipped: 0, durationMs: 1 }, { hostname: 'h' });
  assert.is(readReport(xml2, 'mem.xml')[0].steps[0].observed, undefined);
});

test('a damaged block is an error, not an empty record', () => {
  assert.throws(() => readObservedBlock(`${OBSERVED_BEGIN}\n{"exit": 0\n${OBSERVED_END}`), /not JSON/);
  assert.throws(() => readObservedBlock(`${OBSERVED_BEGIN}\n{"exit": 0}`), /no closing line/);
  assert.throws(() => readObservedBlock(`${OBSERVED_BEGIN}\n[1]\n${OBSERVED_END}`), /not a JSON object/);
  assert.equal(readObservedBlock(observedBlock({ a: 'b' })), { a: 'b' });
});

test('volatile unit properties keep only whether they are set', () => {
  assert.is(observedProperty('MainPID', '4242'), '(set)');
  assert.is(observedProperty('MainPID', '0'), '0');
  assert.is(observedProperty('ExecMainStartTimestamp', 'Fri 2026-11-27 16:20:01 UTC'), '(set)');
  assert.is(observedProperty('InvocationID', 'abc123'), '(set)');
  assert.is(observedProperty('ActiveState', 'active'), 'active');
  assert.is(observedProperty('PrivateUsers', 'yes'), 'yes');
});

test('journal lines lose their time, host and pid; only the lines a matcher is about are kept', () => {
  assert.is(journalMessage('Nov 27 16:20:01 debian systemd[1]: Started probe.service - probe.'), 'systemd: Started probe.service - probe.');
  assert.is(journalMessage('Jan  3 01:02:03 host probe[4242]: hello'), 'probe: hello');
  assert.is(journalMessage('Nov 27 16:20:09 debian systemd[1]: probe.service: Consumed 1.234s CPU time, 1.2M memory peak.'), 'systemd: probe.service: Consumed (resource use)');
  assert.is(journalMessage('Nov 27 16:20:09 debian systemd[1]: probe.service: Killing process 4242 (sleep) with signal SIGKILL.'), 'systemd: probe.service: Killing process N (sleep) with signal SIGKILL.');
  assert.is(journalMessage('Nov 27 16:20:09 debian systemd[1]: probe.service: Main process exited, code=exited, status=217/USER'), 'systemd: probe.service: Main process exited, code=exited, status=217/USER');
  const journal = ['Nov 27 16:20:01 debian systemd[1]: Starting probe.service...', 'Nov 27 16:20:02 debian systemd[1]: Started probe.service.', 'Nov 27 16:20:03 debian probe[77]: noise', ''].join('\n');
  assert.equal(journalLinesAbout({ contains: 'Started' }, journal), { lines: ['systemd: Started probe.service.'], matching: 1 });
  assert.equal(journalLinesAbout({ notContains: 'Failed to create' }, journal), { lines: [], matching: 0 });
  assert.equal(journalLinesAbout({ not: { matches: 'noi.e' } }, journal).lines, ['probe: noise']);
  assert.is(journalLinesAbout({ equals: 'x' }, journal).lines.length, 3, 'no pattern: every line');
});

test('a file that stat calls empty is a regular file: /proc and /sys files all read as empty', () => {
  assert.is(observedFileType('regular empty file'), 'regular file');
  assert.is(observedFileType('directory'), 'directory');
});

test('long output is cut and says how long it was; trailing blanks go', () => {
  assert.is(observedText('off\n\n'), 'off');
  const long = observedText('x'.repeat(5000));
  assert.ok(long.length < 4100);
  assert.match(long, /… \(5000 chars\)$/);
});

test('a chroot record has entries, levels and probes, and no pid or ids', () => {
  const observed = observeInspection({
    pid: 4242,
    uid: 61234,
    gid: 61234,
    entries: ['bin', 'run', 'usr'],
    nodes: [
      { path: '/', level: 'readable', type: 'dir', mode: '0755', uid: 0, gid: 0 },
      { path: '/run', level: 'readable', type: 'dir', mode: '0755', uid: 0, gid: 0 },
    ],
    probes: { '/bin/sh': { found: 'exists' }, '/etc/passwd': { found: 'absent' }, '/x': { found: 'dangling symlink' }, '/root/x': { found: 'unknown', error: 'Permission denied' } },
    truncated: false,
  });
  assert.equal(observed, {
    entries: ['bin', 'run', 'usr'],
    access: { '/': 'readable', '/run': 'readable' },
    probes: { '/bin/sh': 'exists', '/etc/passwd': 'absent', '/x': 'dangling symlink', '/root/x': 'could not look (Permission denied)' },
  });
  assert.not.match(JSON.stringify(observed), '4242');
  assert.not.match(JSON.stringify(observed), '61234');
});

test.run();
