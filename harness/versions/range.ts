// Version ranges as scenarios write them in `when:` — "<257", ">=254 <257", "252" — and
// whether a package version (as dpkg records it) falls in one.
import { compareDebianVersions, parseDebianVersion } from './debian.js';

export type RangeOperator = '>=' | '>' | '<=' | '<' | '=' | 'series';

/** One comparison; a range holds when all of its clauses do. */
export interface RangeClause {
  op: RangeOperator;
  version: string;
}

const OPERATORS = ['>=', '<=', '>', '<', '='] as const;

/**
 * Parses a range: clauses separated by blanks or commas, each an operator and a Debian
 * version, or a bare version meaning that release series ("252" holds for 252, 252.39-1,
 * 252~rc1, not 2520). Throws with a sentence naming the bad clause.
 */
export function parseRange(text: string): RangeClause[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) throw new Error('expected a version range such as ">=257" or ">=254 <257", got empty text');
  return parts.map((part) => {
    const op = OPERATORS.find((candidate) => part.startsWith(candidate));
    const version = op ? part.slice(op.length) : part;
    if (/^[<>=!]/.test(version) || version === '') {
      throw new Error(`"${part}" is not a version clause: write an operator (>=, >, <=, <, =) then a version, e.g. ">=257"`);
    }
    if (!parseDebianVersion(version)) throw new Error(`"${version}" in "${part}" is not a Debian version (e.g. 257, 2.39.3-1, 1:4.13)`);
    return { op: op ?? 'series', version };
  });
}

export function clauseHolds(clause: RangeClause, installed: string): boolean {
  if (clause.op === 'series') {
    // "4.13" names a series whatever the epoch ("1:4.13+dfsg1-1" is in it), unless it gives one
    const version = clause.version.includes(':') ? installed : installed.replace(/^\d+:/, '');
    // the version itself, or it followed by a component separator (., ~, +, -)
    if (version === clause.version) return true;
    return version.startsWith(clause.version) && /^[.~+-]/.test(version.slice(clause.version.length));
  }
  const c = compareDebianVersions(installed, clause.version);
  switch (clause.op) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '<':
      return c < 0;
    case '=':
      return c === 0;
  }
}

export function rangeHolds(clauses: RangeClause[], installed: string): boolean {
  return clauses.every((clause) => clauseHolds(clause, installed));
}
