import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeMismatch, matchList, matchText } from '../../harness/scenario/matchers.js';

test('equals ignores trailing newlines on both sides, nothing else', () => {
  assert.equal(matchText({ equals: 'off' }, 'off\n'), { ok: true, expected: 'equals "off"' });
  assert.is(matchText({ equals: 'off\n' }, 'off').ok, true);
  assert.is(matchText({ equals: 'off' }, 'off\n\n\r\n').ok, true);
  assert.is(matchText({ equals: 'off' }, ' off').ok, false, 'leading blanks count');
  assert.is(matchText({ equals: 'off' }, 'off ').ok, false, 'trailing blanks count');
  assert.is(matchText({ equals: 'a\nb' }, 'a\nb\n').ok, true);
  assert.is(matchText({ equals: '' }, '\n').ok, true);
});

test('contains and notContains look at the raw text', () => {
  assert.is(matchText({ contains: 'space left' }, 'No space left on device\n').ok, true);
  assert.is(matchText({ contains: 'Space' }, 'No space left').ok, false, 'case matters');
  assert.equal(matchText({ notContains: 'Failed' }, 'ok'), { ok: true, expected: 'does not contain "Failed"' });
  assert.is(matchText({ notContains: 'Failed' }, 'Failed to create /usr').ok, false);
});

test('matches is a regular expression whose ^ and $ anchor on lines', () => {
  assert.is(matchText({ matches: '^root:' }, 'daemon:x\nroot:x:0\n').ok, true);
  assert.is(matchText({ matches: '^1$' }, '0\n1\n').ok, true);
  assert.is(matchText({ matches: '^\\d+$' }, 'abc').ok, false);
  assert.is(matchText({ matches: 'a.c' }, 'abc').expected, 'matches /a.c/');
});

test('not negates, and every clause given must hold', () => {
  const m = { contains: 'x', not: { matches: 'y' } };
  assert.equal(matchText(m, 'x'), { ok: true, expected: 'contains "x" and not matches /y/' });
  assert.is(matchText(m, 'xy').ok, false);
  assert.is(matchText(m, 'z').ok, false);
  assert.is(matchText({ not: { equals: 'on' } }, 'on\n').ok, false);
  assert.is(matchText({ not: { not: { equals: 'on' } } }, 'on').ok, true);
  const compound = matchText({ not: { contains: 'a', notContains: 'b' } }, 'a');
  assert.equal(compound, { ok: false, expected: 'not (contains "a" and does not contain "b")' });
});

test('an empty text matcher matches anything', () => {
  assert.equal(matchText({}, 'whatever'), { ok: true, expected: 'anything' });
});

test('expected text is quoted so that newlines stay on one line', () => {
  assert.is(matchText({ equals: 'a\nb' }, '').expected, 'equals "a\\nb"');
  assert.is(matchText({ contains: 'say "hi"' }, '').expected, 'contains "say \\"hi\\""');
});

test('exactly compares sets: order and repeats do not matter', () => {
  assert.equal(matchList({ exactly: ['bin', 'run', 'usr'] }, ['usr', 'bin', 'run']), {
    ok: true,
    expected: 'exactly ["bin", "run", "usr"]',
  });
  assert.is(matchList({ exactly: ['bin', 'run'] }, ['run', 'bin', 'run']).ok, true);
  assert.is(matchList({ exactly: ['bin', 'run'] }, ['bin']).ok, false);
  assert.is(matchList({ exactly: ['bin'] }, ['bin', 'etc']).ok, false);
  assert.is(matchList({ exactly: [] }, []).ok, true);
});

test('includes, excludes and not on lists', () => {
  const entries = ['bin', 'run', 'usr'];
  assert.is(matchList({ includes: ['bin', 'usr'] }, entries).ok, true);
  assert.is(matchList({ includes: ['etc'] }, entries).ok, false);
  assert.is(matchList({ excludes: ['etc', 'home'] }, entries).ok, true);
  assert.is(matchList({ excludes: ['etc', 'run'] }, entries).ok, false);
  assert.equal(matchList({ includes: ['bin'], not: { includes: ['etc'] } }, entries), {
    ok: true,
    expected: 'includes ["bin"] and not includes ["etc"]',
  });
  assert.is(matchList({ not: { includes: ['bin'] } }, entries).ok, false);
  assert.equal(matchList({}, entries), { ok: true, expected: 'anything' });
});

test('describeMismatch is one line with the actual text escaped', () => {
  assert.is(describeMismatch('stdout', 'equals "off"', 'on\n'), 'stdout: expected equals "off", got "on\\n"');
  assert.is(describeMismatch('exit', 'equals "0"', ''), 'exit: expected equals "0", got ""');
  const line = describeMismatch('stderr', 'contains "x"', 'a\tb\r\nc');
  assert.not.match(line, /\n/);
  assert.is(line, 'stderr: expected contains "x", got "a\\tb\\r\\nc"');
});

test('describeMismatch shortens long output, keeping both ends', () => {
  const actual = 'HEAD' + 'x'.repeat(5000) + 'TAIL\n';
  const line = describeMismatch('stdout', 'equals "y"', actual);
  assert.ok(line.length < 300, `${line.length} chars`);
  assert.ok(line.startsWith('stdout: expected equals "y", got "HEADxxx'));
  assert.ok(line.endsWith('xxTAIL\\n"'));
  assert.match(line, /… \[\d+ chars\] …/);
  assert.not.match(line, /\n/);
});

test.run();
