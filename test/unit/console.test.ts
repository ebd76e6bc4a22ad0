import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConsoleReporter, formatElapsed } from '../../harness/report/console.js';
import type { Reporter, RunSummary, ScenarioInfo, ScenarioResult, StepResult } from '../../harness/report/events.js';
import { Multiplexer } from '../../harness/report/multiplexer.js';

/** A stream that keeps what it is given, standing in for a CI log. */
class Collect extends Writable {
  chunks: string[] = [];
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString('utf8'));
    done();
  }
  get lines(): string[] {
    return this.chunks.join('').split('\n').slice(0, -1);
  }
}

const INFO: ScenarioInfo = { name: 'smoke', file: 'scenarios/smoke.yaml', image: 'debian-bookworm', stepCount: 4 };
const OTHER: ScenarioInfo = { ...INFO, image: 'fedora-40', name: 'smoke (fedora-40)' };

function step(name: string, fields: Partial<StepResult> = {}): StepResult {
  return { name, kind: 'run', outcome: 'passed', durationMs: 1234, location: 'scenarios/smoke.yaml:1:1', ...fields };
}

const STEPS: StepResult[] = [
  step('service starts'),
  step('id is nobody', { outcome: 'failed', durationMs: 300, message: 'stdout: expected "nobody"\n  got "root"' }),
  step('journal', { outcome: 'error', message: 'SSH connection dropped\nmore detail' }),
  step('later', { outcome: 'skipped', message: 'skipped after an error' }),
];

function result(info: ScenarioInfo, steps = STEPS): ScenarioResult {
  return { info, steps, durationMs: 12_345, startedAt: new Date(), properties: {} };
}

const SUMMARY: RunSummary = { passed: 1, failed: 1, errors: 1, skipped: 1, durationMs: 12_345 };

function play(reporter: Reporter, summary = SUMMARY): void {
  reporter.onRunBegin?.([INFO]);
  reporter.onScenarioBegin?.(INFO);
  for (const s of STEPS) reporter.onStepEnd?.(INFO, s);
  reporter.onScenarioEnd?.(result(INFO));
  void reporter.onRunEnd?.([result(INFO)], summary);
}

test('a plain log: one line per event, summary at the end', () => {
  const stream = new Collect();
  play(new ConsoleReporter({ stream }));
  assert.equal(stream.lines, [
    '▶ smoke (debian-bookworm) — scenarios/smoke.yaml',
    '  ✔ service starts  (1.2s)',
    '  ✘ id is nobody  (0.3s)',
    '      stdout: expected "nobody"',
    '        got "root"',
    '  ! journal — error: SSH connection dropped',
    '  - later — skipped: skipped after an error',
    '■ smoke (debian-bookworm): 1 passed, 1 failed, 1 errors, 1 skipped in 12.3s',
    '',
    '1 passed, 1 failed, 1 errors, 1 skipped in 12.3s',
  ]);
  assert.not.match(stream.chunks.join(''), '\u001b', 'no colour in a log');
});

test('the interruption reason closes the summary', () => {
  const stream = new Collect();
  play(new ConsoleReporter({ stream }), { ...SUMMARY, interrupted: 'interrupted by SIGINT' });
  assert.is(stream.lines.at(-1), 'interrupted: interrupted by SIGINT');
});

test('colour only on a TTY, and never with NO_COLOR', () => {
  const saved = process.env.NO_COLOR;
  try {
    delete process.env.NO_COLOR;
    const tty = new Collect(true);
    play(new ConsoleReporter({ stream: tty }));
    assert.match(tty.chunks.join(''), '\u001b[32m✔\u001b[0m');

    process.env.NO_COLOR = '1';
    const noColor = new Collect(true);
    play(new ConsoleReporter({ stream: noColor }));
    assert.not.match(noColor.chunks.join(''), '\u001b');
  } finally {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  }
});

test('guest text is stripped of escape codes and control characters', () => {
  const stream = new Collect();
  const reporter = new ConsoleReporter({ stream });
  reporter.onScenarioBegin(INFO);
  reporter.onStepEnd(INFO, step('nasty', { outcome: 'failed', message: 'got \u001b[31mred\u001b[0m\r\nover\rwrite\u0000\u0007 \u001b]0;title\u0007🦀 \uD800x' }));
  reporter.onStepEnd(INFO, step('err', { outcome: 'error', message: '\u001b[2Kboom\r' }));
  const text = stream.chunks.join('');
  assert.not.match(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'no controls but tab and newline');
  assert.not.match(text, /[\uD800-\uDFFF]/u, 'no lone surrogates');
  assert.equal(stream.lines.slice(1), ['  ✘ nasty  (1.2s)', '      got red', '      overwrite 🦀 x', '  ! err — error: boom']);
});

test('steps of interleaved scenarios (several workers) say which scenario they belong to', () => {
  const stream = new Collect();
  const reporter = new ConsoleReporter({ stream });
  reporter.onScenarioBegin(INFO);
  reporter.onScenarioBegin(OTHER);
  reporter.onStepEnd(INFO, step('a'));
  reporter.onStepEnd(INFO, step('b'));
  reporter.onStepEnd(OTHER, step('c'));
  assert.equal(stream.lines, [
    '▶ smoke (debian-bookworm) — scenarios/smoke.yaml',
    '▶ smoke (fedora-40) — scenarios/smoke.yaml',
    '▶ smoke (debian-bookworm) — scenarios/smoke.yaml (continued)',
    '  ✔ a  (1.2s)',
    '  ✔ b  (1.2s)',
    '▶ smoke (fedora-40) — scenarios/smoke.yaml (continued)',
    '  ✔ c  (1.2s)',
  ]);
});

test('durations read as seconds, minutes past a minute', () => {
  assert.is(formatElapsed(0), '0.0s');
  assert.is(formatElapsed(1234), '1.2s');
  assert.is(formatElapsed(125_000), '2m 5.0s');
  assert.is(formatElapsed(-5), '0.0s');
});

test('the multiplexer tells every reporter, even when one throws: logged during the run, rethrown after its end', async () => {
  const stream = new Collect();
  const seen: string[] = [];
  const broken: Reporter = {
    onStepEnd: () => {
      throw new Error('console broke');
    },
    onRunEnd: async () => {
      throw new Error('disk full');
    },
  };
  const recorder: Reporter = {
    onStepEnd: (_s, st) => void seen.push(st.name),
    onRunEnd: async () => void seen.push('end'),
  };
  const logged: string[] = [];
  const mux = new Multiplexer([broken, new ConsoleReporter({ stream }), recorder], (line) => logged.push(line));
  mux.onStepEnd(INFO, step('a'));
  assert.equal(seen, ['a']);
  assert.match(logged.join('\n'), 'failed in onStepEnd: console broke');
  assert.match(stream.chunks.join(''), '✔ a');
  await mux.onRunEnd([], SUMMARY).then(
    () => assert.unreachable('should have thrown'),
    (err: Error) => assert.match(err.message, 'disk full'),
  );
  assert.equal(seen, ['a', 'end']);
  assert.match(stream.chunks.join(''), '1 passed, 1 failed');
});

test('the multiplexer aggregates several failures', async () => {
  const fail = (msg: string): Reporter => ({ onRunEnd: () => Promise.reject(new Error(msg)) });
  try {
    await new Multiplexer([fail('one'), fail('two')]).onRunEnd([], SUMMARY);
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, AggregateError);
    assert.is((err as AggregateError).errors.length, 2);
    assert.match((err as Error).message, 'one; two');
  }
});

test.run();
