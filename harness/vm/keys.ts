// Keys for a guest's keyboard, as QEMU's send-key names them (QAPI QKeyCode, the names
// NixOS's send_key and QEMU's `sendkey` take too): a combination is pressed together,
// `ctrl-alt-delete`; text is typed as one combination per character on a US layout. Pure.

/** Modifiers, then every other key a scenario may name. */
const MODIFIERS = ['shift', 'shift_r', 'alt', 'alt_r', 'ctrl', 'ctrl_r', 'meta_l', 'meta_r'];
const FUNCTION_KEYS = Array.from({ length: 12 }, (_, i) => `f${i + 1}`);
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz'];
const DIGITS = [...'0123456789'];
const NAMED = [
  'esc', 'ret', 'spc', 'tab', 'backspace', 'delete', 'insert', 'home', 'end', 'pgup', 'pgdn',
  'up', 'down', 'left', 'right', 'sysrq', 'print', 'menu', 'caps_lock', 'num_lock', 'scroll_lock',
  'minus', 'equal', 'bracket_left', 'bracket_right', 'semicolon', 'apostrophe', 'grave_accent',
  'backslash', 'comma', 'dot', 'slash', 'kp_enter',
];

/** Every key name a combination may use. */
export const KEY_NAMES: ReadonlySet<string> = new Set([...MODIFIERS, ...FUNCTION_KEYS, ...LETTERS, ...DIGITS, ...NAMED]);

/** Unshifted punctuation and whitespace → its key. */
const PLAIN: Record<string, string> = {
  '\n': 'ret', ' ': 'spc', '\t': 'tab', '-': 'minus', '=': 'equal', '[': 'bracket_left', ']': 'bracket_right',
  ';': 'semicolon', "'": 'apostrophe', '`': 'grave_accent', '\\': 'backslash', ',': 'comma', '.': 'dot', '/': 'slash',
};

/** Shifted characters → the key pressed with shift. */
const SHIFTED: Record<string, string> = {
  '!': '1', '@': '2', '#': '3', $: '4', '%': '5', '^': '6', '&': '7', '*': '8', '(': '9', ')': '0',
  _: 'minus', '+': 'equal', '{': 'bracket_left', '}': 'bracket_right', ':': 'semicolon', '"': 'apostrophe',
  '~': 'grave_accent', '|': 'backslash', '<': 'comma', '>': 'dot', '?': 'slash',
};

export class KeyError extends Error {
  override name = 'KeyError';
}

/** One combination from its written form: `ctrl-alt-delete`, `alt-F2`, `ret`. Names are case-insensitive. */
export function parseCombination(written: string): string[] {
  const keys = written.split('-').map((key) => key.trim().toLowerCase());
  if (keys.some((key) => key === '')) throw new KeyError(`"${written}" is not a key combination: write names joined by "-", such as ctrl-alt-delete`);
  const unknown = keys.filter((key) => !KEY_NAMES.has(key));
  if (unknown.length > 0) throw new KeyError(`unknown key ${unknown.map((k) => `"${k}"`).join(', ')} in "${written}"; keys are QEMU's names: a-z, 0-9, f1-f12, ret, spc, tab, esc, backspace, delete, up, down, left, right, ctrl, alt, shift, minus, slash…`);
  return keys;
}

/** The combinations that type `text`, one per character. Throws on a character no key types. */
export function textCombinations(text: string): string[][] {
  return [...text].map((char, index) => {
    if (/^[a-z0-9]$/.test(char)) return [char];
    if (/^[A-Z]$/.test(char)) return ['shift', char.toLowerCase()];
    if (PLAIN[char]) return [PLAIN[char]];
    if (SHIFTED[char]) return ['shift', SHIFTED[char]];
    throw new KeyError(`character ${JSON.stringify(char)} at ${index + 1} cannot be typed on a US keyboard; use \`key:\` for special keys`);
  });
}
