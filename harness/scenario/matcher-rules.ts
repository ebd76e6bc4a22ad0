// What a text matcher may not say: a clause that would check nothing, a regular expression
// that cannot run. One rule for a clause as written (read-matchers.ts refuses it at load)
// and for one that saved values filled in (runner/saved-values.ts refuses it at run). Pure.
import type { TextMatcher } from './types.js';

/** The clauses of a text matcher that hold text. */
export const TEXT_CLAUSES = ['equals', 'contains', 'notContains', 'matches'] as const;
export type TextClause = (typeof TEXT_CLAUSES)[number];

/** Why the clause `key: text` cannot be a check; undefined when it can. `once` says how the text came to be. */
export function clauseProblem(key: TextClause, text: string, once = ''): string | undefined {
  // "" is in every text: such a clause would hold (or, negated, fail) whatever the guest said.
  if (text === '' && key !== 'equals') return `${key} is empty${once}: every text ${key === 'matches' ? 'matches //' : 'contains ""'}, so it would check nothing; give the text it is about`;
  if (key === 'matches') {
    try {
      new RegExp(text, 'm');
    } catch (err) {
      // V8 says "Invalid regular expression: /a(/m: Unterminated group"; keep only the reason.
      return `invalid regular expression /${text}/${once}: ${(err as Error).message.split(': ').pop()}`;
    }
  }
  return undefined;
}

/** A clause of a matcher, nested under `not:` or not: its key path below the matcher, and its text. */
export interface ClauseAt {
  path: string;
  key: TextClause;
  text: string;
}

/** Every text clause of `m`, `not:` included. */
export function clausesOf(m: TextMatcher, path = ''): ClauseAt[] {
  const own = TEXT_CLAUSES.flatMap((key) => (m[key] === undefined ? [] : [{ path: `${path}${key}`, key, text: m[key] }]));
  return m.not ? [...own, ...clausesOf(m.not, `${path}not.`)] : own;
}

/**
 * Whether a value of a step is a text matcher: a map of text clauses and `not:` only, each
 * clause a text. No other value of a step has that shape (a `chroot` step's `contains` is
 * a list), so the filled-in copy of a step is searched by it.
 */
export function isTextMatcher(value: unknown): value is TextMatcher {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.length > 0 && entries.every(([key, item]) => (key === 'not' ? isTextMatcher(item) : (TEXT_CLAUSES as readonly string[]).includes(key) && typeof item === 'string'));
}
