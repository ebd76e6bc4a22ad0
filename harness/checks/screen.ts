// `screen:` — what a virtual console (tty1 … tty63, read from /dev/vcsN in the guest) or the
// serial console shows, matched as text. With `within:` it waits, as a person waits for a
// prompt. `line: cursor` matches only the line the cursor is on, so that a prompt shown
// again (after a logout) is told apart from the one still on the screen above it.
import { isScalar } from 'yaml';
import type { StepBase, TextMatcher } from '../scenario/types.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import { readTextMatcher } from '../scenario/read-matchers.js';
import { optionalField } from '../scenario/read.js';
import { requireExpect } from '../scenario/read-values.js';
import type { StepInput, StepKind } from './kind.js';
import { CheckError, observing, verdict, type CheckContext, type CheckResult } from './context.js';

export interface ScreenStep extends StepBase {
  kind: 'screen';
  /** `tty1` … `tty63`, or `serial`. */
  console: string;
  cursorLine: boolean;
  expect: TextMatcher;
}

export interface Screen {
  /** The screen's lines, trailing blanks and blank lines at the end taken off. */
  text: string;
  /** The line the cursor is on (the serial console: the last line written). */
  cursorLine: string;
}

const CONSOLE = /^(serial|tty([1-9]|[1-5][0-9]|6[0-3]))$/;
/** What a record keeps of a screen: a whole 80×25 one fits. */
const KEPT_CHARS = 4000;

export const screenKind: StepKind<ScreenStep> = {
  name: 'screen',
  read: readScreenStep,
  check: checkScreen,
  schema: {
    subject: {
      description: 'a virtual console (tty1 … tty63, as /dev/vcsN shows it) or `serial` (what the serial console printed since the last `screen: serial` step that held); with `within:` the step waits for it',
      type: 'string',
      pattern: CONSOLE.source,
    },
    keys: {
      line: { description: '`cursor`: match only the line the cursor is on (the serial console: its last line)', enum: ['cursor'] },
    },
    expect: { $ref: '#/definitions/textMatcher' },
    expectRequired: true,
    expectDescription: 'matched against the screen as text, one line per row',
  },
};

export async function checkScreen(step: ScreenStep, ctx: CheckContext): Promise<CheckResult> {
  const serial = step.console === 'serial' ? await ctx.console.serial() : undefined;
  const screen = serial ? serialScreen(serial.text) : await readScreen(ctx, step.console);
  const subject = step.cursorLine ? screen.cursorLine : screen.text;
  const match = matchText(step.expect, subject);
  if (match.ok) serial?.seen();
  const mismatches = match.ok ? [] : [describeMismatch(step.cursorLine ? `the cursor's line on ${step.console}` : step.console, match.expected, subject)];
  const output = [`$ screen ${step.console}`, screen.text, `[cursor line] ${screen.cursorLine}`].join('\n');
  return observing(verdict(mismatches, output), { screen: kept(screen.text), cursorLine: screen.cursorLine });
}

/** A virtual console as the guest's /dev/vcsN holds it (tty0: the one in front). */
export async function readScreen(ctx: CheckContext, console: string): Promise<Screen> {
  const n = console.replace(/^tty/, '');
  const [vcs, vcsa] = n === '0' ? ['/dev/vcs', '/dev/vcsa'] : [`/dev/vcs${n}`, `/dev/vcsa${n}`];
  // vcsa's first four bytes: rows, columns, cursor column, cursor row; vcs: the characters, row after row
  const command = `set -e; header=$(od -An -tu1 -N4 ${vcsa}); echo $header; LC_ALL=C fold -w "$(echo $header | cut -d' ' -f2)" ${vcs}`;
  const result = await ctx.guest.exec(command, { timeoutMs: ctx.commandTimeoutMs() });
  if (result.exitCode !== 0) throw new CheckError(`cannot read ${console}'s screen (${vcs}): ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  const [header, ...rows] = result.stdout.split('\n');
  const [, , , cursorRow] = header.trim().split(/\s+/).map(Number);
  const lines = rows.map((row) => row.trimEnd());
  return { text: trimBlankEnd(lines).join('\n'), cursorLine: lines[cursorRow] ?? '' };
}

function serialScreen(text: string): Screen {
  const lines = trimBlankEnd(text.split('\n').map((line) => line.trimEnd()));
  return { text: lines.join('\n'), cursorLine: lines[lines.length - 1] ?? '' };
}

function trimBlankEnd(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1] === '') end--;
  return lines.slice(0, end);
}

/** The end of a long text: a serial console's latest output is what a step waited for. */
function kept(text: string): string {
  return text.length > KEPT_CHARS ? `…${text.slice(-KEPT_CHARS)}` : text;
}

function readScreenStep({ r, subject, fields, base }: StepInput): ScreenStep | undefined {
  const console = r.nonEmptyString(subject, 'a console: tty1 … tty63, or serial');
  if (console !== undefined && !CONSOLE.test(console)) r.fail(subject.at, subject.path, `"${console}" is not a console: write tty1 … tty63 (a virtual console) or serial`);
  const line = optionalField(fields, 'line', (v) => (isScalar(v.node) && v.node.value === 'cursor' ? 'cursor' : r.failAtKey(v, '`line` takes one value, `cursor`')));
  const expectField = requireExpect(r, fields, 'screen', '{contains: "login:"}');
  const expect = expectField && readTextMatcher(r, expectField);
  if (console === undefined || !CONSOLE.test(console) || expect === undefined) return undefined;
  return { kind: 'screen', ...base(`screen: ${console}`), console, cursorLine: line === 'cursor', expect };
}
