// The pure judges behind `start:`/`stop:`/`restart:`, `run:` and `userns:`: what a unit's state or a
// command's result means for the step, without a guest.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeRun, type RunStep } from '../../harness/checks/run.js';
import { judgeStarted, judgeStopped } from '../../harness/checks/service.js';
import { judgeUserns } from '../../harness/checks/userns.js';

const unit = (props: Record<string, string>) => new Map(Object.entries({ SubState: 'x', Result: 'success', ExecMainStatus: '0', Type: 'simple', ...props }));

test('started: active (or reloading) is done and good', () => {
  assert.equal(judgeStarted(unit({ ActiveState: 'active', SubState: 'running' })), { done: true, ok: true, why: 'active/running (Result=success, ExecMainStatus=0)' });
  assert.is(judgeStarted(unit({ ActiveState: 'reloading' })).done, true);
});

test('started: failed is final, not something to wait out', () => {
  const settled = judgeStarted(unit({ ActiveState: 'failed', SubState: 'failed', Result: 'exit-code', ExecMainStatus: '1' }));
  assert.equal(settled, { done: true, ok: false, why: 'failed/failed (Result=exit-code, ExecMainStatus=1)' });
});

test('started: inactive is good only for a oneshot that succeeded', () => {
  assert.equal(judgeStarted(unit({ ActiveState: 'inactive', Type: 'oneshot' })), { done: true, ok: true, why: 'inactive/x (Result=success, ExecMainStatus=0)' });
  assert.equal(judgeStarted(unit({ ActiveState: 'inactive', Type: 'simple' })), { done: true, ok: false, why: 'inactive/x (Result=success, ExecMainStatus=0)' });
  assert.is((judgeStarted(unit({ ActiveState: 'inactive', Type: 'oneshot', Result: 'exit-code' })) as { ok: boolean }).ok, false);
});

test('started: activating and deactivating are not settled yet', () => {
  for (const state of ['activating', 'deactivating']) assert.is(judgeStarted(unit({ ActiveState: state })).done, false, state);
});

test('stopped: inactive or failed is done; anything else is waited for', () => {
  assert.equal(judgeStopped(unit({ ActiveState: 'inactive', SubState: 'dead' })), { done: true, ok: true, why: 'inactive/dead' });
  assert.equal(judgeStopped(unit({ ActiveState: 'failed', SubState: 'failed' })), { done: true, ok: true, why: 'failed/failed' });
  assert.equal(judgeStopped(unit({ ActiveState: 'deactivating', SubState: 'stop-sigterm' })), { done: false, why: 'deactivating/stop-sigterm' });
});

const step = (expect: RunStep['expect']): RunStep => ({ kind: 'run', name: 'r', command: 'c', expect, at: { file: 'f.yaml', line: 1, col: 1 }, everyMs: 1000 });
const result = (exitCode: number, stdout = '', stderr = '') => ({ exitCode, stdout, stderr, durationMs: 1 });

test('run: the exit status is judged, and a mismatch quotes the end of what the command said', () => {
  assert.is(judgeRun(step({ exit: 0 }), result(0), 'out').ok, true);
  const bad = judgeRun(step({ exit: 0 }), result(2, '', 'a\nb\nc\nno such file\n'), 'out');
  assert.is(bad.ok, false);
  assert.equal(bad.mismatches, ['exit: expected 0, got 2 (b | c | no such file)']);
  assert.equal(bad.observed, { exit: 2, stdout: '', stderr: 'a\nb\nc\nno such file' }, 'observed, as compare reads it: the trailing newline trimmed');
});

test('run: each stream matcher is judged on its own stream', () => {
  const ok = judgeRun(step({ exit: 0, stdout: { contains: 'yes' }, stderr: { equals: '' } }), result(0, 'oh yes\n'), 'out');
  assert.is(ok.ok, true);
  const bad = judgeRun(step({ exit: 0, stdout: { contains: 'yes' } }), result(0, 'no\n', 'yes\n'), 'out');
  assert.is(bad.mismatches.length, 1);
  assert.match(bad.mismatches[0], /^stdout: /);
});

const seen = { private: false, uidMap: '0 0 4294967295', gidMap: '0 0 4294967295' };

test('userns: a service in PID 1\'s user namespace fails private: true, and the message says so', () => {
  assert.equal(judgeUserns({ private: true }, seen), ["private: expected true, got false (its user namespace is PID 1's)"]);
  assert.equal(judgeUserns({ private: false }, { ...seen, private: true }), ["private: expected false, got true (its user namespace is not PID 1's)"]);
  assert.equal(judgeUserns({ private: false }, seen), []);
});

test('userns: each map is matched on its own', () => {
  assert.equal(judgeUserns({ uidMap: { equals: '0 0 1' } }, seen), ['uidMap: expected equals "0 0 1", got "0 0 4294967295"']);
  assert.equal(judgeUserns({ gidMap: { contains: '0 0' }, uidMap: { contains: '4294967295' } }, seen), []);
});

test.run();
