import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunSummary, ScenarioResult, StepResult } from '../../harness/report/events.js';
import { JUnitReporter, renderJUnit } from '../../harness/report/junit.js';
import { SCHEMA, tempDir } from '../support/harness.js';

const OPTIONS = { hostname: 'ci-host', rootDir: '/repo' };
const NASTY = 'end ]]> <script>alert(1)</script> nul\u0000 \u001b[31mred\u001b[0m 🦀 lone\uD800 bell\u0007';

function step(name: string, fields: Partial<StepResult> = {}): StepResult {
  return { name, kind: 'run', outcome: 'passed', durationMs: 1234, location: 'scenarios/smoke.yaml:10:5', ...fields };
}

function scenario(fields: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    info: { name: 'smoke (debian-bookworm)', file: '/repo/scenarios/confinement/smoke.yaml', image: 'debian-bookworm', stepCount: 5 },
    steps: [
      step('service starts', { kind: 'start', durationMs: 2500, output: '$ systemctl start probe\n' }),
      step('id is nobody', {
        outcome: 'failed',
        durationMs: 300,
        message: 'stdout: expected "nobody", got "root"',
        details: '- nobody\n+ root',
        output: NASTY,
        attachments: ['artifacts/smoke/serial.log', '/abs/journal.txt'],
      }),
      step('journal is clean', { kind: 'journal', outcome: 'error', message: 'SSH connection dropped', output: 'partial' }),
      step('later step', { outcome: 'skipped', message: 'skipped after an error' }),
      step('nasty name <script> \u001b[1m', { outcome: 'failed', message: NASTY }),
    ],
    durationMs: 12345.6,
    startedAt: new Date('2024-05-06T07:08:09.123Z'),
    properties: { image: 'debian-bookworm', accel: 'kvm', 'qemu.version': '8.2.2' },
    output: `serial tail\n${NASTY}\n`,
    ...fields,
  };
}

const SUMMARY: RunSummary = { passed: 1, failed: 2, errors: 1, skipped: 1, durationMs: 13000 };

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await tempDir('harness-junit-');
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the report and runs the schema check CI runs; returns xmllint's verdict. */
async function validate(xml: string): Promise<{ exitCode: number; stderr: string }> {
  return withTempDir(async (dir) => {
    const file = path.join(dir, 'junit.xml');
    await writeFile(file, xml);
    const { exitCode, stderr } = await execa('xmllint', ['--noout', '--schema', SCHEMA, file], { reject: false });
    return { exitCode: exitCode ?? -1, stderr };
  });
}

async function assertValid(xml: string): Promise<void> {
  const { exitCode, stderr } = await validate(xml);
  assert.is(exitCode, 0, `xmllint rejected the report:\n${stderr}\n${xml}`);
}

/** The attributes of the first element with this tag (and optional name), as a map. */
function attributesOf(xml: string, tag: string, name?: string): Record<string, string> {
  const pattern = new RegExp(`<${tag}\\b([^>]*${name === undefined ? '' : `name="${name}"`}[^>]*)>`);
  const found = pattern.exec(xml);
  if (!found) throw new Error(`no <${tag}> ${name ?? ''} in\n${xml}`);
  return Object.fromEntries([...found[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

test('a run with every outcome validates against the schema', async () => {
  await assertValid(renderJUnit([scenario(), scenario({ info: { ...scenario().info, name: 'smoke (fedora-40)', image: 'fedora-40' } })], SUMMARY, OPTIONS));
});

test('the schema check really rejects a broken report (the test is not vacuous)', async () => {
  const xml = renderJUnit([scenario()], SUMMARY, OPTIONS).replace('<testsuites ', '<testsuites skipped="1" ');
  assert.is.not((await validate(xml)).exitCode, 0);
});

test('counts on testsuites and testsuite', () => {
  const xml = renderJUnit([scenario(), scenario()], SUMMARY, OPTIONS);
  const suites = attributesOf(xml, 'testsuites');
  assert.equal(suites, { name: 'harness', tests: '10', failures: '4', errors: '2', time: '13.000' });
  const suite = attributesOf(xml, 'testsuite');
  assert.is(suite.name, 'smoke (debian-bookworm)');
  assert.is(suite.tests, '5');
  assert.is(suite.failures, '2');
  assert.is(suite.errors, '1');
  assert.is(suite.skipped, '1');
  assert.is(suite.time, '12.346');
  assert.is(suite.timestamp, '2024-05-06T07:08:09', 'ISO 8601, no zone');
  assert.is(suite.hostname, 'ci-host');
  assert.is(suite.package, 'scenarios.confinement.smoke.debian-bookworm');
});

test('testcases carry a stable classname and time in seconds', () => {
  const xml = renderJUnit([scenario()], SUMMARY, OPTIONS);
  assert.equal(attributesOf(xml, 'testcase', 'service starts'), {
    name: 'service starts',
    classname: 'scenarios.confinement.smoke.debian-bookworm.start',
    time: '2.500',
  });
  const dotted = renderJUnit([scenario({ info: { ...scenario().info, file: 'scenarios/a.yml', image: 'ubuntu-24.04' } })], SUMMARY, OPTIONS);
  assert.is(attributesOf(dotted, 'testcase', 'service starts').classname, 'scenarios.a.ubuntu-24_04.start');
});

test('a failure says what was expected and what the guest answered; an error is kept apart', () => {
  const xml = renderJUnit([scenario()], SUMMARY, OPTIONS);
  assert.match(xml, '<failure message="stdout: expected &quot;nobody&quot;, got &quot;root&quot;" type="AssertionError">- nobody\n+ root\n\nat scenarios/smoke.yaml:10:5</failure>');
  assert.match(xml, '<error message="SSH connection dropped" type="InfrastructureError">SSH connection dropped\n\nat scenarios/smoke.yaml:10:5</error>');
  assert.match(xml, '<skipped message="skipped after an error"/>');
});

test('step output and attachments go to the testcase system-out, scenario output to the suite', () => {
  const xml = renderJUnit([scenario()], SUMMARY, OPTIONS);
  assert.match(xml, '<system-out>$ systemctl start probe\n</system-out>');
  assert.match(xml, '[[ATTACHMENT|artifacts/smoke/serial.log]]\n[[ATTACHMENT|/abs/journal.txt]]\n</system-out>');
  assert.match(xml, /<\/testcase>\n    <system-out>serial tail\n/);
  assert.match(xml, '<property name="qemu.version" value="8.2.2"/>');
});

test('attachment paths are written relative to the report, so a report moved with its artifacts still links', () => {
  const xml = renderJUnit([scenario()], SUMMARY, { ...OPTIONS, reportDir: path.resolve('reports') });
  assert.match(xml, '[[ATTACHMENT|../artifacts/smoke/serial.log]]\n[[ATTACHMENT|../../abs/journal.txt]]\n'.replace('../../abs', path.relative(path.resolve('reports'), '/abs')));
});

test('the JUnit reporter writes attachment paths relative to its own file', async () => {
  await withTempDir(async (dir) => {
    const outputFile = path.join(dir, 'out', 'junit.xml');
    const attachments = [path.join(dir, 'out', 'artifacts', 'serial.log'), path.join(dir, 'elsewhere.txt')];
    const result = scenario({ steps: [step('one', { outcome: 'failed', message: 'no', attachments })] });
    await new JUnitReporter({ outputFile, ...OPTIONS }).onRunEnd([result], SUMMARY);
    const xml = await readFile(outputFile, 'utf8');
    assert.match(xml, '[[ATTACHMENT|artifacts/serial.log]]\n[[ATTACHMENT|../elsewhere.txt]]\n');
  });
});

test('guest output cannot inject markup or control characters', () => {
  const xml = renderJUnit([scenario()], SUMMARY, OPTIONS);
  assert.not.match(xml, '<script>');
  assert.not.match(xml, ']]>');
  assert.not.match(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, 'C0 controls');
  assert.not.match(xml, /[\uD800-\uDFFF]/u, 'lone surrogates');
  assert.match(xml, 'end ]]&gt; &lt;script&gt;alert(1)&lt;/script&gt; nul red 🦀 lone bell');
  assert.match(xml, 'name="nasty name &lt;script&gt; "');
});

test('properties appear only when there are some', async () => {
  const xml = renderJUnit([scenario({ properties: {} })], SUMMARY, OPTIONS);
  assert.not.match(xml, '<properties');
  await assertValid(xml);
});

test('an interrupted run still validates and says why on every suite', async () => {
  const summary = { ...SUMMARY, interrupted: 'interrupted by SIGINT' };
  const partial = scenario({ steps: [step('only one')], startedAt: new Date('invalid') });
  const xml = renderJUnit([scenario(), partial], summary, OPTIONS);
  await assertValid(xml);
  assert.is(xml.split('<property name="interrupted" value="interrupted by SIGINT"/>').length - 1, 2);
});

test('an empty run validates with zero suites', async () => {
  const xml = renderJUnit([], { passed: 0, failed: 0, errors: 0, skipped: 0, durationMs: 5 }, OPTIONS);
  await assertValid(xml);
  assert.equal(attributesOf(xml, 'testsuites'), { name: 'harness', tests: '0', failures: '0', errors: '0', time: '0.005' });
  assert.not.match(xml, '<testsuite ');
});

test('a run stopped before any scenario records the reason as one error', async () => {
  const xml = renderJUnit([], { passed: 0, failed: 0, errors: 0, skipped: 0, durationMs: 5, interrupted: 'image "nope" not found' }, OPTIONS);
  await assertValid(xml);
  assert.is(attributesOf(xml, 'testsuites').errors, '1');
  assert.match(xml, '<error message="image &quot;nope&quot; not found" type="InfrastructureError">');
});

test('a step with no message and odd durations still validates', async () => {
  const odd = scenario({ steps: [step('x', { outcome: 'failed', durationMs: -1 }), step('y', { outcome: 'error', durationMs: NaN }), step('z', { outcome: 'skipped' })], durationMs: Infinity });
  const xml = renderJUnit([odd], SUMMARY, OPTIONS);
  await assertValid(xml);
  assert.match(xml, '<testcase name="x" classname="scenarios.confinement.smoke.debian-bookworm.run" time="0.000">');
});

test('the reporter writes the file whole into a folder it creates, leaving no temp file', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'reports', 'nested', 'junit.xml');
    await new JUnitReporter({ outputFile: file, ...OPTIONS }).onRunEnd([scenario()], SUMMARY);
    assert.is(await readFile(file, 'utf8'), renderJUnit([scenario()], SUMMARY, { ...OPTIONS, reportDir: path.dirname(file) }));
    assert.equal(await readdir(path.dirname(file)), ['junit.xml']);
    const { exitCode } = await execa('xmllint', ['--noout', '--schema', SCHEMA, file], { reject: false });
    assert.is(exitCode, 0);
  });
});

test('the reporter replaces an existing report', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'junit.xml');
    await writeFile(file, 'old');
    await new JUnitReporter({ outputFile: file, ...OPTIONS }).onRunEnd([], SUMMARY);
    assert.match(await readFile(file, 'utf8'), '<testsuites name="harness"');
  });
});

test('a report that cannot be written fails naming the path', async () => {
  await withTempDir(async (dir) => {
    const blocker = path.join(dir, 'not-a-folder');
    await writeFile(blocker, '');
    const file = path.join(blocker, 'junit.xml');
    try {
      await new JUnitReporter({ outputFile: file }).onRunEnd([], SUMMARY);
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, Error);
      assert.match((err as Error).message, file);
    }
    assert.equal(await readdir(dir), ['not-a-folder']);
  });
});

test('retries are written the Surefire way: flaky when it passed in the end, rerun when not', async () => {
  const attempt = { outcome: 'error' as const, message: 'QEMU exited unexpectedly', details: 'serial tail', output: '$ true', durationMs: 5 };
  const xml = renderJUnit(
    [
      scenario({
        steps: [
          step('recovered', { outcome: 'passed', earlierAttempts: [attempt] }),
          step('never recovered', { outcome: 'error', message: 'again', earlierAttempts: [attempt, { ...attempt, message: 'twice' }] }),
          step('failed before, an assertion', { outcome: 'passed', earlierAttempts: [{ ...attempt, outcome: 'failed', message: 'expected x' }] }),
          step('was fine before', { outcome: 'passed', earlierAttempts: [{ outcome: 'passed', durationMs: 1 }] }),
        ],
      }),
    ],
    SUMMARY,
    OPTIONS,
  );
  await assertValid(xml);
  assert.is((xml.match(/<flakyError /g) ?? []).length, 1);
  assert.is((xml.match(/<rerunError /g) ?? []).length, 2);
  assert.is((xml.match(/<flakyFailure /g) ?? []).length, 1);
  assert.match(xml, /<rerunError message="twice" type="InfrastructureError">/);
  assert.match(xml, /<stackTrace>serial tail<\/stackTrace>/);
});

test('an earlier attempt keeps its evidence: its attachments are linked from its rerun element', async () => {
  const attempt = { outcome: 'error' as const, message: 'QEMU exited unexpectedly', output: '$ true', durationMs: 5, attachments: ['/repo/reports/artifacts/smoke/serial.log'] };
  const xml = renderJUnit(
    [scenario({ steps: [step('never recovered', { outcome: 'error', message: 'again', attachments: ['/repo/reports/artifacts/smoke.attempt-2/serial.log'], earlierAttempts: [attempt] })] })],
    SUMMARY,
    { ...OPTIONS, reportDir: '/repo/reports' },
  );
  await assertValid(xml);
  const rerun = /<rerunError message="QEMU exited unexpectedly"[\s\S]*?<\/rerunError>/.exec(xml)?.[0] ?? '';
  assert.match(rerun, /<system-out>\$ true\n\[\[ATTACHMENT\|artifacts\/smoke\/serial\.log\]\]\n<\/system-out>/);
  assert.match(xml, /\[\[ATTACHMENT\|artifacts\/smoke\.attempt-2\/serial\.log\]\]/);
});

test.run();
