// Keys for a guest's keyboard, as QEMU's send-key names them (QAPI QKeyCode, the names
// NixOS's send_key and QEMU's `sendkey` take too): a combination is pressed together,
// `ctrl-alt-delete`; text is typed as one combination per character on a US layout, paced
// so that QEMU drops none. Pure but for the sending and waiting pressPaced is given.

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

/**
 * Why keys go to QEMU as events, a combination at a time, paced here, not by send-key:
 * send-key returns at once and QEMU releases the keys after the hold on a timer, queueing
 * whatever comes meanwhile in ui/input.c's keyboard queue of at most 1,024 entries
 * (queue_limit: an event and a sync per key down or up, one per hold); every event past
 * that is dropped without a word. An unpaced 2,000-character `type:` lost nearly all of
 * it; one paced at a hold per character (10 ms, at most 32 queued by that reckoning) still
 * lost keys from the 240th on, a release of shift among them, as the timer released them
 * more slowly than the hold says (it runs on QEMU's main loop, late under TCG).
 * input-send-event, with that queue empty, hands the events straight to the keyboard,
 * and the waiting is ours.
 * The guest then reads each scancode, an IRQ a byte, from the PS/2 keyboard's queue of
 * 16 bytes (hw/input/ps2.c, PS2_QUEUE_SIZE), which drops what comes while it is full: so
 * each send is one combination, pressed and released (a byte a key each way, 4 for a
 * shifted character), and the next waits GAP_MS for the guest to take them.
 */
export const GAP_MS = 5;

export interface KeyEvent {
  key: string;
  down: boolean;
}

export interface Pacing {
  gapMs: number;
  sleep: (ms: number) => Promise<void>;
}

const REAL_PACING: Pacing = { gapMs: GAP_MS, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/**
 * Presses each combination in turn, its keys down in order and up in reverse order, then
 * waits GAP_MS; `send` hands the events to QEMU and resolves once QEMU has taken them.
 * Returns once the last is sent and its wait over: the guest has had every key.
 */
export async function pressPaced(combinations: string[][], send: (events: KeyEvent[]) => Promise<unknown>, pacing: Pacing = REAL_PACING): Promise<void> {
  for (const keys of combinations) {
    await send([...keys.map((key) => ({ key, down: true })), ...[...keys].reverse().map((key) => ({ key, down: false }))]);
    await pacing.sleep(pacing.gapMs);
  }
}
