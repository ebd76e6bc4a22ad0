// Normalising what the guest answered into an observation record (report/observed.ts):
// what differs from one boot to the next (pids, times, the journal's line prefix) is
// taken out, what differs from one systemd to the next is kept.
import type { TextMatcher } from '../scenario/types.js';

/** Long output is cut: a record is for seeing what changed, the transcript keeps the rest. */
const MAX_TEXT_CHARS = 4000;
const MAX_JOURNAL_LINES = 20;

/** Text with trailing blanks and newlines trimmed, at most MAX_TEXT_CHARS long. */
export function observedText(text: string): string {
  const trimmed = text.replace(/\s+$/, '');
  return trimmed.length > MAX_TEXT_CHARS ? `${trimmed.slice(0, MAX_TEXT_CHARS)}… (${trimmed.length} chars)` : trimmed;
}

/** Octal mode as four digits, whatever stat printed: "644" → "0644". */
export function observedMode(mode: string): string {
  return mode.padStart(4, '0');
}

/** stat's %F, less "empty": /proc and /sys files read as empty whatever they hold, and a
 *  file's content is recorded where the step asks about it. */
export function observedFileType(type: string): string {
  return type === 'regular empty file' ? 'regular file' : type;
}

/** Properties whose value is a pid, a time, an id or a counter of this boot. A scenario may
 *  assert on them (MainPID is not 0), so the record keeps whether they are set, not the value. */
const VOLATILE_PROPERTY = /(PID$|Timestamp|Monotonic$|^InvocationID$|^NRestarts$|^(Memory|CPUUsage|Tasks|IO\w*Bytes|IP\w*Bytes|IP\w*Packets)Current$|CPUUsageNSec$)/;

export function observedProperty(name: string, value: string): string {
  if (!VOLATILE_PROPERTY.test(name)) return value;
  if (value === '' || value === '0' || value === 'n/a' || value === '[not set]' || value === 'infinity') return value;
  return '(set)';
}

/** `Nov 27 16:20:01 host probe[123]: text` → `probe: text` (journalctl's short format),
 *  and what systemd's own messages say differently on every boot taken out: the resources
 *  a unit consumed, the pid of a process it killed. */
export function journalMessage(line: string): string {
  const match = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ ([^:[\s]+)(?:\[\d+\])?: (.*)$/.exec(line);
  const message = match ? `${match[1]}: ${match[2]}` : line;
  return message.replace(/\bConsumed \d.*$/, 'Consumed (resource use)').replace(/\b(process|PID) \d+\b/g, '$1 N');
}

/** What a text matcher looks for, each as a test on one line. */
function patternsOf(matcher: TextMatcher): Array<(line: string) => boolean> {
  const tests: Array<(line: string) => boolean> = [];
  for (const text of [matcher.contains, matcher.notContains]) if (text !== undefined && text !== '') tests.push((line) => line.includes(text));
  if (matcher.matches !== undefined) {
    const re = new RegExp(matcher.matches);
    tests.push((line) => re.test(line));
  }
  if (matcher.not) tests.push(...patternsOf(matcher.not));
  return tests;
}

/** The journal lines a matcher is about (all of them when it names no pattern), without
 *  their time/host/pid prefix: enough to see which systemd said what. */
export function journalLinesAbout(matcher: TextMatcher, journal: string): { lines: string[]; matching: number } {
  const tests = patternsOf(matcher);
  const all = journal.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('-- '));
  const matching = tests.length === 0 ? all : all.filter((line) => tests.some((t) => t(line)));
  const lines = matching.slice(0, MAX_JOURNAL_LINES).map(journalMessage);
  if (matching.length > lines.length) lines.push(`… ${matching.length - lines.length} more`);
  return { lines, matching: matching.length };
}
