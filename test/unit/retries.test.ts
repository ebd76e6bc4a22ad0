import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ScenarioResult, StepResult } from '../../harness/report/events.js';
import { shouldRetry, withEarlierAttempt } from '../../harness/runner/run.js';

const step = (name: string, outcome: StepResult['outcome'], message?: string): StepResult => ({
  name, kind: 'run', outcome, durationMs: 1, location: 's.yaml:1:1', message,
});
const result = (...steps: StepResult[]): ScenarioResult => ({
  info: { name: 's', file: 's.yaml', image: 'debian-bookworm', stepCount: steps.length },
  steps, durationMs: 1, startedAt: new Date(0), properties: {},
});

test('only infrastructure errors are retried, never a failed assertion', () => {
  assert.ok(shouldRetry(result(step('a', 'passed'), step('b', 'error'), step('c', 'skipped'))));
  assert.not.ok(shouldRetry(result(step('a', 'failed'), step('b', 'error'))), 'a failure is a finding');
  assert.not.ok(shouldRetry(result(step('a', 'passed'), step('b', 'failed'))));
  assert.not.ok(shouldRetry(result(step('a', 'passed'))));
});

test('each step of the newest attempt carries what it did before, oldest first', () => {
  const first = result(step('a', 'passed'), step('b', 'error', 'qemu died'));
  const second = withEarlierAttempt(result(step('a', 'passed'), step('b', 'error', 'ssh dropped')), first);
  const third = withEarlierAttempt(result(step('a', 'passed'), step('b', 'passed')), second);
  assert.is(third.steps[1].outcome, 'passed');
  assert.equal(third.steps[1].earlierAttempts?.map((a) => a.message), ['qemu died', 'ssh dropped']);
  assert.equal(third.steps[0].earlierAttempts?.map((a) => a.outcome), ['passed', 'passed']);
  assert.is(third.properties.attempts, '3');
});

test.run();
