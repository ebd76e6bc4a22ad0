// Matchers from scenario files, applied to what the guest answered. Pure: no I/O.
import type { ListMatcher, TextMatcher } from './types.js';

export interface MatchResult {
  ok: boolean;
  /** What was expected, in words: `equals "off"`, `contains "x" and not matches /y/`. */
  expected: string;
}

const SHOWN_CHARS = 200;

/** Whether `actual` satisfies every clause of `m`. */
export function matchText(m: TextMatcher, actual: string): MatchResult {
  const clauses: Array<[holds: boolean, words: string]> = [];
  if (m.equals !== undefined) {
    // Command output nearly always ends in a newline the author did not write in the YAML.
    clauses.push([trimTrailingNewlines(actual) === trimTrailingNewlines(m.equals), `equals ${quote(m.equals)}`]);
  }
  if (m.contains !== undefined) clauses.push([actual.includes(m.contains), `contains ${quote(m.contains)}`]);
  if (m.notContains !== undefined) {
    clauses.push([!actual.includes(m.notContains), `does not contain ${quote(m.notContains)}`]);
  }
  if (m.matches !== undefined) {
    // 'm' so that ^ and $ anchor on lines, the way people grep command output.
    clauses.push([new RegExp(m.matches, 'm').test(actual), `matches /${m.matches}/`]);
  }
  if (m.not !== undefined) {
    const inner = matchText(m.not, actual);
    clauses.push([!inner.ok, negate(inner.expected)]);
  }
  return combine(clauses);
}

/** Whether the list `actual` satisfies every clause of `m`; order never matters. */
export function matchList(m: ListMatcher, actual: string[]): MatchResult {
  const present = new Set(actual);
  const clauses: Array<[holds: boolean, words: string]> = [];
  if (m.exactly !== undefined) {
    const wanted = new Set(m.exactly);
    const same = wanted.size === present.size && [...wanted].every((item) => present.has(item));
    clauses.push([same, `exactly ${quoteList(m.exactly)}`]);
  }
  if (m.includes !== undefined) {
    clauses.push([m.includes.every((item) => present.has(item)), `includes ${quoteList(m.includes)}`]);
  }
  if (m.excludes !== undefined) {
    clauses.push([!m.excludes.some((item) => present.has(item)), `excludes ${quoteList(m.excludes)}`]);
  }
  if (m.not !== undefined) {
    const inner = matchList(m.not, actual);
    clauses.push([!inner.ok, negate(inner.expected)]);
  }
  return combine(clauses);
}

/** One line: `WHAT: expected <expected>, got "<actual>"`, the actual shortened and escaped. */
export function describeMismatch(what: string, expected: string, actual: string): string {
  return `${what}: expected ${expected}, got ${quote(shorten(actual))}`;
}

function combine(clauses: Array<[boolean, string]>): MatchResult {
  if (clauses.length === 0) return { ok: true, expected: 'anything' };
  return {
    ok: clauses.every(([holds]) => holds),
    expected: clauses.map(([, words]) => words).join(' and '),
  };
}

function negate(words: string): string {
  return words.includes(' and ') ? `not (${words})` : `not ${words}`;
}

function trimTrailingNewlines(text: string): string {
  return text.replace(/(\r?\n)+$/, '');
}

/** JSON quoting shows newlines as \n and keeps the message on one line. */
function quote(text: string): string {
  return JSON.stringify(text);
}

function quoteList(items: string[]): string {
  return `[${items.map(quote).join(', ')}]`;
}

/** Keeps both ends: the head says what the output is, the tail often says why it went wrong. */
function shorten(text: string): string {
  if (text.length <= SHOWN_CHARS) return text;
  const head = text.slice(0, 140);
  const tail = text.slice(-60);
  return `${head} … [${text.length - head.length - tail.length} chars] … ${tail}`;
}
