import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDuration, parseDuration } from '../../harness/scenario/duration.js';

test('each unit is read in milliseconds', () => {
  assert.is(parseDuration('250ms'), 250);
  assert.is(parseDuration('30s'), 30_000);
  assert.is(parseDuration('10m'), 600_000);
  assert.is(parseDuration('1h'), 3_600_000);
  assert.is(parseDuration('0s'), 0);
});

test('fractions and sums of units are read', () => {
  assert.is(parseDuration('1.5s'), 1500);
  assert.is(parseDuration('1m30s'), 90_000);
  assert.is(parseDuration('1h2m3s4ms'), 3_723_004);
  assert.is(parseDuration(' 5s '), 5000, 'surrounding blanks do not matter');
});

test('a bare number is refused, with the fix in the message', () => {
  assert.throws(() => parseDuration('30'), /has no unit; write e\.g\. "30s"/);
  assert.throws(() => parseDuration('1.5'), /has no unit/);
});

test('anything else is refused with a clear message', () => {
  for (const bad of ['', '   ', 's', '10 s', '10sec', '-5s', '5x', '1e3s', 'ten seconds', '5s ago', '10S']) {
    assert.throws(() => parseDuration(bad), /duration/, `"${bad}" must be refused`);
  }
  try {
    parseDuration('10sec');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, Error);
    assert.is((err as Error).message, 'invalid duration "10sec" (cannot read "ec"); write e.g. "250ms", "30s", "10m" or "1h"');
  }
});

test('formatDuration writes what parseDuration reads back', () => {
  assert.is(formatDuration(250), '250ms');
  assert.is(formatDuration(30_000), '30s');
  assert.is(formatDuration(600_000), '10m');
  assert.is(formatDuration(3_600_000), '1h');
  assert.is(formatDuration(1500), '1500ms');
  for (const ms of [1, 999, 1000, 61_000, 7_200_000]) assert.is(parseDuration(formatDuration(ms)), ms);
});

test.run();
