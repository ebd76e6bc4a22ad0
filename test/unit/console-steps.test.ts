// The console steps' pure parts: keys as QEMU names them, and what `type:`, `key:` and
// `screen:` accept, with located errors for what they refuse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadScenarioText } from '../../harness/load/load.js';
import type { KeyStep, TypeStep } from '../../harness/checks/console.js';
import type { ScreenStep } from '../../harness/checks/screen.js';
import { parseCombination, textCombinations } from '../../harness/vm/keys.js';
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

test.run();
