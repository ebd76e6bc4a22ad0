// What changed between two observation records of one step. Pure.
import type { Observation, ObservedValue } from '../report/observed.js';

/** One changed key. A list shows what joined and what left; anything else before → after.
 *  A map (chroot access levels, probes) yields one change per key below it: `access /run`. */
export type ObservedChange =
  | { key: string; kind: 'value'; before: string; after: string }
  | { key: string; kind: 'list'; added: string[]; removed: string[] };

/** Shown for a key one record has and the other has not. */
export const MISSING = '(none)';

export function diffObservations(before: Observation, after: Observation): ObservedChange[] {
  const changes: ObservedChange[] = [];
  for (const key of unionKeys(before, after)) changes.push(...diffValue(key, before[key], after[key]));
  return changes;
}

function diffValue(key: string, before: ObservedValue | undefined, after: ObservedValue | undefined): ObservedChange[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const had = new Set(before);
    const has = new Set(after);
    const added = after.filter((item) => !had.has(item));
    const removed = before.filter((item) => !has.has(item));
    return added.length || removed.length ? [{ key, kind: 'list', added, removed }] : [];
  }
  if (isMap(before) || isMap(after)) {
    const a = isMap(before) ? before : {};
    const b = isMap(after) ? after : {};
    return unionKeys(a, b).flatMap((sub) => diffValue(`${key} ${sub}`, a[sub], b[sub]));
  }
  const was = formatValue(before);
  const is = formatValue(after);
  return was === is ? [] : [{ key, kind: 'value', before: was, after: is }];
}

/** One line for a value: text quoted only where blanks or emptiness would hide it. */
export function formatValue(value: ObservedValue | undefined): string {
  if (value === undefined) return MISSING;
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.join(' ');
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}=${v}`).join(' ');
  if (typeof value === 'string') return value === '' || /^\s|\s$|\n/.test(value) ? JSON.stringify(value) : value;
  return String(value);
}

/** A change as one line of text, `key: before → after` or `key: +added −removed`. */
export function describeChange(change: ObservedChange, maxChars = 160): string {
  if (change.kind === 'list') {
    const parts = [...change.added.map((item) => `+${item}`), ...change.removed.map((item) => `−${item}`)];
    return `${change.key}: ${shorten(parts.join(' '), maxChars)}`;
  }
  return `${change.key}: ${shorten(change.before, maxChars / 2)} → ${shorten(change.after, maxChars / 2)}`;
}

/** The record as lines `key: value`, a map's keys one per line below it. */
export function describeObservation(observed: Observation): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(observed)) {
    if (isMap(value)) {
      lines.push(`${key}:`);
      for (const [sub, v] of Object.entries(value)) lines.push(`  ${sub}  ${v}`);
    } else {
      lines.push(`${key}: ${formatValue(value)}`);
    }
  }
  return lines;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

function isMap(value: ObservedValue | undefined): value is { [key: string]: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys of both, in first-seen order: the check's own order stays. */
function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}
