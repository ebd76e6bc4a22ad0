// The console steps' pure parts: keys as QEMU names them, and what `type:`, `key:` and
// `screen:` accept, with located errors for what they refuse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadScenarioText } from '../../harness/load/load.js';
import type { KeyStep, TypeStep } from '../../harness/checks/console.js';
import { judgeSerial, splitSerialMatcher, type ScreenStep } from '../../harness/checks/screen.js';
import { GAP_MS, parseCombination, pressPaced, textCombinations } from '../../harness/vm/keys.js';
import { errorOf, FILE, withSteps } from '../support/load-errors.js';

test('text is typed one key per character, with shift where a US keyboard needs it', () => {
  assert.equal(textCombinations('aZ9\n'), [['a'], ['shift', 'z'], ['9'], ['ret']]);
  assert.equal(textCombinations('~/x_y: "$a|b"'), [
    ['shift', 'grave_accent'], ['slash'], ['x'], ['shift', 'minus'], ['y'], ['shift', 'semicolon'], ['spc'],
    ['shift', 'apostrophe'], ['shift', '4'], ['a'], ['shift', 'backslash'], ['b'], ['shift', 'apostrophe'],
  ]);
  assert.throws(() => textCombinations('é'), /character "é" at 1 cannot be typed on a US keyboard/);
});

test('a combination is QEMU key names joined by "-", case-insensitive', () => {
  assert.equal(parseCombination('ctrl-alt-delete'), ['ctrl', 'alt', 'delete']);
  assert.equal(parseCombination('alt-F2'), ['alt', 'f2']);
  assert.equal(parseCombination('ctrl-minus'), ['ctrl', 'minus']);
  assert.throws(() => parseCombination('ctrl--'), /not a key combination/);
  assert.throws(() => parseCombination('alt-f13'), /unknown key "f13" in "alt-f13"/);
});

function stepsOf(steps: string) {
  return loadScenarioText(withSteps(steps), FILE).steps;
}

test('type: and key: read into the keys they press', () => {
  const [typed, pressed, several] = stepsOf('  - type: "Al\\n"\n  - key: alt-f2\n  - key: [alt-f1, ret]\n') as [TypeStep, KeyStep, KeyStep];
  assert.equal(typed.combinations, [['shift', 'a'], ['l'], ['ret']]);
  assert.is(typed.name, 'type "Al\\n"');
  assert.equal(pressed.combinations, [['alt', 'f2']]);
  assert.is(pressed.name, 'key alt-f2');
  assert.equal(several.written, ['alt-f1', 'ret']);
});

test('what a person could not type, or a retried typing, is refused where it is written', () => {
  assert.is(errorOf(withSteps('  - type: "naïve"\n')), '7:11 steps[0].type: character "ï" at 3 cannot be typed on a US keyboard; use `key:` for special keys');
  assert.is(errorOf(withSteps('  - key: alt-f13\n')), '7:10 steps[0].key: unknown key "f13" in "alt-f13"; keys are QEMU\'s names: a-z, 0-9, f1-f12, ret, spc, tab, esc, backspace, delete, up, down, left, right, ctrl, alt, shift, minus, slash…');
  assert.is(errorOf(withSteps('  - type: "x\\n"\n    within: 10s\n')), '8:5 steps[0].within: typing twice is not waiting: `within` belongs on the `screen:` step that waits for what the keys did');
  assert.is(errorOf(withSteps('  - type: ""\n')), '7:11 steps[0].type: expected the text to type, got empty text');
});

test('screen: a virtual console or serial, the whole screen or the cursor\'s line', () => {
  const [vt, serial] = stepsOf('  - screen: tty2\n    line: cursor\n    within: 30s\n    expect: {matches: "login: $"}\n  - screen: serial\n    expect: {contains: "Reached target"}\n') as [ScreenStep, ScreenStep];
  assert.equal([vt.console, vt.cursorLine, vt.withinMs, vt.expect], ['tty2', true, 30_000, { matches: 'login: $' }]);
  assert.equal([serial.console, serial.cursorLine], ['serial', false]);
  assert.is(errorOf(withSteps('  - screen: tty64\n    expect: {contains: x}\n')), '7:13 steps[0].screen: "tty64" is not a console: write tty1 … tty63 (a virtual console) or serial');
  assert.is(errorOf(withSteps('  - screen: tty1\n    line: last\n    expect: {contains: x}\n')), '8:5 steps[0].line: `line` takes one value, `cursor`');
  assert.match(errorOf(withSteps('  - screen: tty1\n')), /^7:5 steps\[0\].expect: a `screen` step needs `expect:`/);
});

// ── screen: serial, a log rather than a screen ─────────────────────────────

const BOOT_PROMPT = '\nDebian GNU/Linux 12 debian ttyS0\n\ndebian login: ';

test('serial: what a step rules out is ruled out of everything since the steps began, not an empty stretch', () => {
  // the step before found the prompt: nothing came since
  const log = { sinceHeld: '', sinceSteps: `Stopping serial-getty…\n${BOOT_PROMPT}`, line: 'debian login: ' };
  assert.equal(judgeSerial({ notContains: 'login:' }, log, false).mismatches, ['serial since the steps began: expected does not contain "login:", got "Stopping serial-getty…\\n\\nDebian GNU/Linux 12 debian ttyS0\\n\\ndebian login:"']);
  assert.equal(judgeSerial({ not: { contains: 'login:' } }, log, false).mismatches.length, 1);
  assert.equal(judgeSerial({ notContains: 'Kernel panic' }, log, false).mismatches, []);
  // what it looks for must still be new
  assert.equal(judgeSerial({ contains: 'login:' }, log, false).mismatches, ['serial: expected contains "login:", got ""']);
  const both = judgeSerial({ contains: 'login:', notContains: 'panic' }, { ...log, sinceHeld: log.sinceSteps }, false);
  assert.equal([both.mismatches, both.looked], [[], true], 'looks in what is new, rules out of all');
  assert.is(judgeSerial({ notContains: 'x' }, log, false).looked, false, 'holding moves the stretch on only for a step that looked for something');
});

test('serial: the cursor\'s line is the text after the last line break, blank just after one', () => {
  const atPrompt = { sinceHeld: `x\n${BOOT_PROMPT}`, sinceSteps: `x\n${BOOT_PROMPT}`, line: 'debian login: ' };
  assert.equal(judgeSerial({ matches: 'login:$' }, atPrompt, true).mismatches, []);
  assert.is(judgeSerial({ matches: 'login:$' }, atPrompt, true).screen.cursorLine, 'debian login:');
  // a prompt followed by a line break: the cursor has left it
  const after = { sinceHeld: `${BOOT_PROMPT}\n`, sinceSteps: `${BOOT_PROMPT}\n`, line: '' };
  assert.equal(judgeSerial({ matches: 'login:$' }, after, true).mismatches, ['the cursor\'s line on serial: expected matches /login:$/, got ""']);
  // ruling out at the cursor reads the line it is on now, however long ago it began
  const stillThere = { sinceHeld: '', sinceSteps: '', line: 'debian login: ' };
  assert.equal(judgeSerial({ not: { matches: 'login:$' } }, stillThere, true).mismatches, ['the cursor\'s line on serial: expected not matches /login:$/, got "debian login:"']);
});

test('serial: a matcher splits into what it looks for and what it rules out', () => {
  assert.equal(splitSerialMatcher({ contains: 'a', matches: 'b', equals: 'c' }), { looking: { contains: 'a', matches: 'b', equals: 'c' } });
  assert.equal(splitSerialMatcher({ notContains: 'a', not: { contains: 'b' } }), { ruling: { notContains: 'a', not: { contains: 'b' } } });
  assert.equal(splitSerialMatcher({ contains: 'a', notContains: 'b' }), { looking: { contains: 'a' }, ruling: { notContains: 'b' } });
});

test('serial: a check that only rules text out is refused where it would check nothing', () => {
  const before = '  - run: "true"\n';
  assert.is(errorOf(withSteps('  - screen: serial\n    expect: {notContains: "login:"}\n')), '8:13 steps[0].expect: as the first step, `screen: serial` has no output of the steps to rule text out of, so this would check nothing; put it after the steps whose output it is about');
  assert.is(errorOf(withSteps(`${before}  - screen: serial\n    within: 30s\n    expect: {not: {contains: "login:"}}\n`)), '9:5 steps[1].within: `within:` would only wait: the serial output since the steps began only grows, so what it rules out is absent at the first look or for good; drop `within:`, or wait for what should come with a step that looks for it (contains, matches)');
  // each of these checks something: a later step, the cursor's line now, or a clause that looks for text
  stepsOf(`${before}  - screen: serial\n    expect: {notContains: "login:"}\n`);
  stepsOf('  - screen: serial\n    line: cursor\n    within: 30s\n    expect: {not: {matches: "login:$"}}\n');
  stepsOf('  - screen: serial\n    within: 30s\n    expect: {contains: "Reached target", notContains: "Failed"}\n');
  stepsOf('  - screen: tty1\n    within: 30s\n    expect: {notContains: "login:"}\n');
});

// ── pacing: QEMU drops key events past its queues, silently ────────────────

test('keys go to QEMU one combination at a time, pressed and released, GAP_MS apart; typing ends after the last', async () => {
  const log: string[] = [];
  const pacing = { gapMs: GAP_MS, sleep: async (ms: number) => void log.push(`wait ${ms}`) };
  await pressPaced(textCombinations('aB'), async (events) => void log.push(events.map((e) => `${e.down ? '+' : '-'}${e.key}`).join(' ')), pacing);
  const wait = `wait ${GAP_MS}`;
  assert.equal(log, ['+a -a', wait, '+shift +b -b -shift', wait]);
  log.length = 0;
  await pressPaced([parseCombination('ctrl-alt-delete')], async (events) => void log.push(events.map((e) => `${e.down ? '+' : '-'}${e.key}`).join(' ')), pacing);
  assert.equal(log, ['+ctrl +alt +delete -delete -alt -ctrl', wait], 'released in reverse order');
});

test.run();
