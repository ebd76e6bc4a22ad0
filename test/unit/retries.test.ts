import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConsoleReporter } from '../../harness/report/console.js';
import type { ScenarioResult, StepResult } from '../../harness/report/events.js';
import { artifactsFolder } from '../../harness/runner/bundle.js';
import { shouldRetry, summarize, withEarlierAttempt } from '../../harness/runner/run.js';

const step = (name: string, outcome: StepResult['outcome'], message?: string, fields: Record<string, unknown> = {}): StepResult => ({
  name, kind: 'run', outcome, durationMs: 1, location: 's.yaml:1:1', message, ...fields,
} as StepResult);
const result = (...steps: StepResult[]): ScenarioResult => ({
  info: { name: 's', file: 's.yaml', image: 'debian-bookworm', stepCount: steps.length },
  steps, durationMs: 1, startedAt: new Date(0), properties: {},
});

test('only infrastructure errors are retried, never a failed assertion', () => {
  assert.ok(shouldRetry(result(step('a', 'passed'), step('b', 'error', 'QEMU exited unexpectedly (signal SIGKILL)', { fault: 'host' }), step('c', 'skipped'))));
  assert.not.ok(shouldRetry(result(step('a', 'failed', 'expected x', { fault: 'guest' }), step('b', 'error', 'qemu died', { fault: 'host' }))), 'a failure is a finding');
  assert.not.ok(shouldRetry(result(step('a', 'passed'), step('b', 'failed', 'expected x', { fault: 'guest' }))));
  assert.not.ok(shouldRetry(result(step('a', 'passed'))));
});

test('what is not the host\'s doing is not retried: the test side\'s error, or none said', () => {
  assert.not.ok(shouldRetry(result(step('a', 'error', 'CheckError: systemd does not know nope.service', { fault: 'harness' }))), 'a rerun would say the same');
  assert.not.ok(shouldRetry(result(step('a', 'error', 'LimitError: the scenario exceeded its timeout of 4m', { fault: 'harness' }))));
  assert.not.ok(shouldRetry(result(step('a', 'error', 'TypeError: a bug'))), 'an error that says nothing of its fault is not the host\'s');
});

test('each step of the newest attempt carries what it did before, oldest first', () => {
  const first = result(step('a', 'passed'), step('b', 'error', 'qemu died', { fault: 'host' }));
  const second = withEarlierAttempt(result(step('a', 'passed'), step('b', 'error', 'ssh dropped', { fault: 'host' })), first);
  const third = withEarlierAttempt(result(step('a', 'passed'), step('b', 'passed')), second);
  assert.is(third.steps[1].outcome, 'passed');
  assert.equal(third.steps[1].earlierAttempts?.map((a) => a.message), ['qemu died', 'ssh dropped']);
  assert.equal(third.steps[0].earlierAttempts?.map((a) => a.outcome), ['passed', 'passed']);
  assert.is(third.properties.attempts, '3');
});

test('each attempt keeps its evidence: an earlier attempt\'s attachments stay with it', () => {
  const first = result(step('a', 'error', 'qemu died', { fault: 'host', attachments: ['artifacts/s/serial.log'] }));
  const second = withEarlierAttempt(result(step('a', 'error', 'qemu died again', { fault: 'host', attachments: ['artifacts/s.attempt-2/serial.log'] })), first);
  assert.equal(second.steps[0].attachments, ['artifacts/s.attempt-2/serial.log']);
  assert.equal((second.steps[0].earlierAttempts?.[0] as { attachments?: string[] }).attachments, ['artifacts/s/serial.log']);
});

test('each attempt\'s evidence has a folder of its own: the first the scenario\'s, a rerun\'s beside it', () => {
  assert.is(artifactsFolder('/r/artifacts', 'fault: retried'), '/r/artifacts/fault_retried');
  assert.is(artifactsFolder('/r/artifacts', 'fault: retried', 1), '/r/artifacts/fault_retried');
  assert.is(artifactsFolder('/r/artifacts', 'fault: retried', 3), '/r/artifacts/fault_retried.attempt-3');
});

test('a run that passed only on a retry says so in its summary line', () => {
  const retried = withEarlierAttempt(result(step('a', 'passed')), result(step('a', 'error', 'qemu died', { fault: 'host' })));
  const summary = summarize([retried, result(step('b', 'passed'))], 1000);
  assert.is((summary as { flaky?: number }).flaky, 1);
  let printed = '';
  new ConsoleReporter({ stream: { write: (chunk: string) => (printed += chunk) }, color: false }).onRunEnd([retried], summary);
  assert.match(printed, /2 passed, 0 failed, 0 errors, 0 skipped in 1\.0s; 1 scenario passed only on a retry/);
});

test.run();
