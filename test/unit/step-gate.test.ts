// The run loop's gate: which later steps still run after a failure, an error or a `when:`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StepGate } from '../../harness/runner/step-gate.js';
import type { RunStep } from '../../harness/checks/run.js';
import type { ServiceActionStep } from '../../harness/checks/service.js';
import { parseRange } from '../../harness/versions/range.js';

const at = { file: 's.yaml', line: 1, col: 1 };
const action = (kind: ServiceActionStep['kind'], service = 'probe'): ServiceActionStep => ({ kind, service, name: `${kind}: ${service}`, at, everyMs: 1000 });
const run = (name = 'r'): RunStep => ({ kind: 'run', name, command: 'true', expect: { exit: 0 }, at, everyMs: 1000 });
const onSystemd = (range: string): RunStep => ({ ...run('new'), when: [{ package: 'systemd', range, clauses: parseRange(range), at }] });
const VERSIONS = { systemd: '252.39-1~deb12u2' };
const gate = () => new StepGate();

test('a failed start, stop or restart skips every later step, naming the step and its service', () => {
  for (const kind of ['start', 'stop', 'restart'] as const) {
    const g = gate();
    g.judged(action(kind, 'web'), false);
    assert.ok(g.closed, kind);
    assert.equal(g.admit(run(), VERSIONS), { skip: `skipped: \`${kind}: web\` failed` });
    assert.equal(g.admit(action('start'), VERSIONS), { skip: `skipped: \`${kind}: web\` failed` }, 'a later start too');
  }
});

test('a failed step of another kind skips nothing', () => {
  const g = gate();
  g.judged(run(), false);
  assert.not.ok(g.closed);
  const next = run('next');
  assert.equal(g.admit(next, VERSIONS), { step: next });
});

test('an error skips every later step, naming the step and the first line of the error', () => {
  const g = gate();
  g.errored(run('probe is up'), new Error('the guest stopped answering\nlast serial console lines: …'));
  assert.equal(g.admit(run(), VERSIONS), { skip: 'skipped after an error in "probe is up": the guest stopped answering' });
  class LimitError extends Error {
    override name = 'LimitError';
  }
  const limited = gate();
  limited.errored(action('start'), new LimitError('the scenario exceeded its timeout of 10m'));
  assert.equal(limited.admit(run(), VERSIONS), { skip: 'skipped after an error in "start: probe": LimitError: the scenario exceeded its timeout of 10m' });
});

test('a gating step that passed skips nothing', () => {
  const g = gate();
  g.judged(action('start'), true);
  assert.not.ok(g.closed);
  const next = run();
  assert.equal(g.admit(next, VERSIONS), { step: next });
});

test('a step skipped by `when:` skips nothing after it, and keeps its own reason after the gate closed', () => {
  const g = gate();
  assert.equal(g.admit(onSystemd('>=257'), VERSIONS), { skip: 'not for systemd 252.39-1~deb12u2: when systemd >=257' });
  assert.not.ok(g.closed);
  const next = run();
  assert.equal(g.admit(next, VERSIONS), { step: next });
  const held = onSystemd('>=252');
  assert.equal(g.admit(held, VERSIONS), { step: held }, 'a `when:` that holds lets the step run');
  g.judged(action('restart'), false);
  assert.equal(g.admit(onSystemd('>=257'), VERSIONS), { skip: 'not for systemd 252.39-1~deb12u2: when systemd >=257' });
  assert.equal(g.admit(held, VERSIONS), { skip: 'skipped: `restart: probe` failed' });
});

test('a scenario that could not start runs no step, and says why', () => {
  const g = gate();
  g.couldNotStart(new Error('no KVM\nmore'));
  assert.ok(g.closed);
  assert.equal(g.admit(run(), VERSIONS), { skip: 'not run: the scenario could not start (no KVM)' });
});

test.run();
