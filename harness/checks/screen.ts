// `screen:` — what a virtual console (tty1 … tty63, read from /dev/vcsN in the guest) or the
// serial console shows, matched as text. With `within:` it waits, as a person waits for a
// prompt. `line: cursor` matches only the line the cursor is on, so that a prompt shown
// again (after a logout) is told apart from the one still on the screen above it.
// The serial console is a log, not a screen: what a step looks for (equals, contains,
// matches) must have come since the last `screen: serial` step that found what it waited
// for, and what it rules out (notContains, not) must be nowhere since the steps began.
import { isScalar } from 'yaml';
import type { StepBase, TextMatcher } from '../scenario/types.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import { readTextMatcher } from '../scenario/read-matchers.js';
import { optionalField, type Fields, type Reader, type Value } from '../scenario/read.js';
import { requireExpect } from '../scenario/read-values.js';
import type { StepInput, StepKind } from './kind.js';
import { CheckError, observing, verdict, type CheckContext, type CheckResult, type SerialLog } from './context.js';

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
      description: 'a virtual console (tty1 … tty63, as /dev/vcsN shows it) or `serial`: what a step looks for (equals, contains, matches) in what the serial console printed since the last `screen: serial` step that found what it waited for, what it rules out (notContains, not) in all it printed since the steps began; with `within:` the step waits for it',
      type: 'string',
      pattern: CONSOLE.source,
    },
    keys: {
      line: { description: '`cursor`: match only the line the cursor is on (the serial console: the text after its last line break, blank just after one)', enum: ['cursor'] },
    },
    expect: { $ref: '#/definitions/textMatcher' },
    // `within:` on a serial check that only rules text out (refuseEmptyRulingOut)
    rules: { not: { allOf: [
      { required: ['screen', 'within', 'expect'], properties: { screen: { const: 'serial' } } },
      { properties: { expect: { type: 'object', not: { anyOf: [{ required: ['equals'] }, { required: ['contains'] }, { required: ['matches'] }] } } } },
      { not: { required: ['line'] } },
    ] } },
    expectRequired: true,
    expectDescription: 'matched against the screen as text, one line per row',
  },
};

export async function checkScreen(step: ScreenStep, ctx: CheckContext): Promise<CheckResult> {
  if (step.console === 'serial') return checkSerial(step, ctx);
  const screen = await readScreen(ctx, step.console);
  const subject = step.cursorLine ? screen.cursorLine : screen.text;
  const match = matchText(step.expect, subject);
  const mismatches = match.ok ? [] : [describeMismatch(step.cursorLine ? `the cursor's line on ${step.console}` : step.console, match.expected, subject)];
  return screenResult(step, screen, mismatches);
}

async function checkSerial(step: ScreenStep, ctx: CheckContext): Promise<CheckResult> {
  const log = await ctx.console.serial();
  const judged = judgeSerial(step.expect, log, step.cursorLine);
  if (judged.mismatches.length === 0 && judged.looked) log.seen();
  return screenResult(step, judged.screen, judged.mismatches);
}

function screenResult(step: ScreenStep, screen: Screen, mismatches: string[]): CheckResult {
  const output = [`$ screen ${step.console}`, screen.text, `[cursor line] ${screen.cursorLine}`].join('\n');
  return observing(verdict(mismatches, output), { screen: kept(screen.text), cursorLine: screen.cursorLine });
}

/** A matcher as `screen: serial` reads it: the clauses that look for text, and those that rule text out. */
export function splitSerialMatcher(m: TextMatcher): { looking?: TextMatcher; ruling?: TextMatcher } {
  const { notContains, not, ...looking } = m;
  const ruling: TextMatcher = { ...(notContains !== undefined ? { notContains } : {}), ...(not ? { not } : {}) };
  return { ...(Object.keys(looking).length ? { looking } : {}), ...(Object.keys(ruling).length ? { ruling } : {}) };
}

/**
 * A `screen: serial` step's verdict on the log. What it looks for is matched against what
 * came since the last such step that found what it waited for (`line: cursor`: that
 * stretch's last line); what it rules out against all the steps' output (`line: cursor`:
 * the line the cursor is on now), never against a stretch that may be empty. `looked`:
 * it looked for something, so that holding moves the stretch on.
 */
export function judgeSerial(expect: TextMatcher, log: SerialLog, cursorLine: boolean): { mismatches: string[]; looked: boolean; screen: Screen } {
  const { looking, ruling } = splitSerialMatcher(expect);
  const mismatches: string[] = [];
  const judge = (m: TextMatcher | undefined, subject: string, what: string) => {
    const match = m && matchText(m, subject);
    if (match && !match.ok) mismatches.push(describeMismatch(what, match.expected, subject));
  };
  const recent = serialScreen(log.sinceHeld);
  const line = log.line.trimEnd();
  judge(looking, cursorLine ? lastLine(log.sinceHeld) : recent.text, cursorLine ? "the cursor's line on serial" : 'serial');
  const sinceSteps = serialScreen(log.sinceSteps).text;
  judge(ruling, cursorLine ? line : sinceSteps, cursorLine ? "the cursor's line on serial" : 'serial since the steps began');
  return { mismatches, looked: looking !== undefined, screen: { text: looking ? recent.text : sinceSteps, cursorLine: line } };
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
  return { text: lines.join('\n'), cursorLine: lastLine(text) };
}

/** The last line of a stretch of the log: blank when it ends in a line break (the cursor is on a new line). */
function lastLine(text: string): string {
  return text.slice(text.lastIndexOf('\n') + 1).trimEnd();
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

function readScreenStep({ r, subject, fields, base, first }: StepInput): ScreenStep | undefined {
  const console = r.nonEmptyString(subject, 'a console: tty1 … tty63, or serial');
  if (console !== undefined && !CONSOLE.test(console)) r.fail(subject.at, subject.path, `"${console}" is not a console: write tty1 … tty63 (a virtual console) or serial`);
  const line = optionalField(fields, 'line', (v) => (isScalar(v.node) && v.node.value === 'cursor' ? 'cursor' : r.failAtKey(v, '`line` takes one value, `cursor`')));
  const expectField = requireExpect(r, fields, 'screen', '{contains: "login:"}');
  const expect = expectField && readTextMatcher(r, expectField);
  if (console === 'serial' && expect && line !== 'cursor' && !splitSerialMatcher(expect).looking) refuseEmptyRulingOut(r, fields, expectField!, first);
  if (console === undefined || !CONSOLE.test(console) || expect === undefined) return undefined;
  return { kind: 'screen', ...base(`screen: ${console}`), console, cursorLine: line === 'cursor', expect };
}

/**
 * A serial check that only rules text out reads all the steps' output, which only grows:
 * as the first step it would read nothing, and `within:` could only wait (it holds at the
 * first look or never).
 */
function refuseEmptyRulingOut(r: Reader, fields: Fields, expect: Value, first: boolean | undefined): void {
  if (first) r.fail(expect.at, expect.path, 'as the first step, `screen: serial` has no output of the steps to rule text out of, so this would check nothing; put it after the steps whose output it is about');
  const within = fields.get('within');
  if (within) r.failAtKey(within, '`within:` would only wait: the serial output since the steps began only grows, so what it rules out is absent at the first look or for good; drop `within:`, or wait for what should come with a step that looks for it (contains, matches)');
}
