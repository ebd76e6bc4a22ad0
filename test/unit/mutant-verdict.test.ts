// `harness mutants`' verdict on a guest-side mutant: a catch is a failure (the guest's doing,
// not an error) of a step that passed in the unmutated baseline run, and the table and the
// JUnit report name that step, its place and its message.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Outcome, StepResult } from '../../harness/report/events.js';
import { renderJUnit } from '../../harness/report/junit.js';
import { guestVerdict, renderTable, stepKey, verdictResults, verdictSummary, type Baseline } from '../../harness/mutants/verdict.js';
import { SCHEMA, tempDir } from '../support/harness.js';

const SCENARIO = 'confinement, full-apivfs mode';
const FILE = 'scenarios/confinement/full-apivfs.yaml';

const step = (line: number, outcome: Outcome, fields: Partial<StepResult> = {}): StepResult => ({
  name: `step at line ${line}`, kind: 'run', outcome, durationMs: 1, location: `${FILE}:${line}:5`,
  ...(outcome === 'failed' ? { fault: 'guest' as const } : {}), ...fields,
});
const seen = (...steps: StepResult[]) => steps.map((s) => ({ scenario: SCENARIO, step: s }));
const baseline = (outcomes: Record<number, Outcome>): Baseline =>
  new Map(Object.entries(outcomes).map(([line, outcome]) => [stepKey(SCENARIO, `${FILE}:${line}:5`), outcome]));

test('a step that was red in the baseline too is no catch', () => {
  const v = guestVerdict('private-users-off', seen(step(10, 'failed', { message: 'slow under load' })), baseline({ 10: 'failed', 20: 'passed' }), 1000);
  assert.is.not(v.outcome, 'caught');
  assert.match(v.message ?? '', /step at line 10 .*red without the mutant too/);
  const caught = guestVerdict('private-users-off', seen(step(10, 'failed'), step(20, 'failed', { message: 'private: expected true, got false' })), baseline({ 10: 'failed', 20: 'passed' }), 1000);
  assert.is(caught.outcome, 'caught');
  assert.equal(caught.catches?.map((c) => c.location), [`${FILE}:20:5`], 'the confirmed one, only');
});

test('a step the baseline never ran is no catch either: nothing confirms it', () => {
  const v = guestVerdict('m', seen(step(30, 'failed')), baseline({ 10: 'passed' }), 1);
  assert.is.not(v.outcome, 'caught');
});

test('an error is no catch, even the first red step: only a failure, the guest\'s doing, is', () => {
  const error = step(10, 'error', { fault: 'host', message: 'QEMU exited unexpectedly (signal SIGKILL)' });
  const onlyError = guestVerdict('m', seen(error), baseline({ 10: 'passed' }), 1);
  assert.is(onlyError.outcome, 'error');
  assert.match(onlyError.message ?? '', /QEMU exited unexpectedly/);
  const thenFailure = guestVerdict('m', seen(error, step(20, 'failed', { message: 'expected x' })), baseline({ 10: 'passed', 20: 'passed' }), 1);
  assert.is(thenFailure.outcome, 'caught');
  assert.equal(thenFailure.catches?.map((c) => c.step), ['step at line 20']);
});

test('a read-back (`unit:`) going red is no catch: the mutant is missed, and the verdict says what went red', () => {
  const v = guestVerdict('m', seen(step(10, 'failed', { kind: 'unit' })), baseline({ 10: 'passed' }), 1);
  assert.is(v.outcome, 'missed');
  assert.match(v.message ?? '', /only a read-back went red: .*step at line 10/);
});

test('a confirmed catch names its step, place and message in the table and in the JUnit testcase, which validates', async () => {
  const v = guestVerdict('mountapivfs-off', seen(step(42, 'failed', { name: '/proc is the host\'s', message: 'entries: expected [], got [1, self]' })), baseline({ 42: 'passed' }), 154_591);
  assert.is(v.outcome, 'caught');
  const row = renderTable([v]).split('\n')[1];
  assert.match(row, /mountapivfs-off +caught +155 s +confinement, full-apivfs mode › \/proc is the host's \(scenarios\/confinement\/full-apivfs\.yaml:42:5\), confirmed \(it passed unmutated\): entries: expected \[\], got \[1, self\]/);
  const [suite] = verdictResults([v], 'mutants/catalogue.yaml');
  const out = suite.steps[0].output ?? '';
  assert.match(out, /caught by: confinement, full-apivfs mode › \/proc is the host's/);
  assert.match(out, /at: scenarios\/confinement\/full-apivfs\.yaml:42:5/);
  assert.match(out, /confirmed: the same step passed in the unmutated baseline run/);
  assert.match(out, /failure: entries: expected \[\], got \[1, self\]/);
  const xml = renderJUnit(verdictResults([v], 'mutants/catalogue.yaml'), verdictSummary([v], 154_591), { hostname: 'h', rootDir: '/' });
  assert.match(xml, /<testcase name="mountapivfs-off"[^>]*>\s*<system-out>caught by: confinement, full-apivfs mode › \/proc is the host&apos;s/);
  const file = path.join(await tempDir(), 'mutants.xml');
  await writeFile(file, xml);
  const lint = await execa('xmllint', ['--noout', '--schema', SCHEMA, file], { reject: false });
  assert.is(lint.exitCode, 0, lint.stderr);
});

test.run();
