// Matchers as written in scenario files: a plain scalar means "equals", a map combines clauses.
import { isMap } from 'yaml';
import { clauseProblem, TEXT_CLAUSES } from './matcher-rules.js';
import type { Reader, Value } from './read.js';
import type { ListMatcher, TextMatcher } from './types.js';

const TEXT_KEYS = ['equals', 'contains', 'notContains', 'matches', 'not'] as const;
const LIST_KEYS = ['exactly', 'includes', 'excludes', 'not'] as const;
/** `not` may nest; the bound keeps a self-referencing YAML alias from recursing forever. */
const MAX_DEPTH = 8;

export interface TextMatcherOptions {
  /** How a YAML boolean reads as text: systemctl, for one, prints yes/no, never true/false. */
  booleans?: [yes: string, no: string];
}

export function readTextMatcher(r: Reader, v: Value, options: TextMatcherOptions = {}, depth = 0): TextMatcher | undefined {
  if (!isMap(v.node)) {
    const equals = r.scalarText(v, 'text or a matcher map (equals, contains, notContains, matches, not)', options.booleans);
    return equals === undefined ? undefined : { equals };
  }
  if (depth >= MAX_DEPTH) return r.fail(v.at, v.path, `matchers nest at most ${MAX_DEPTH} deep`);
  if (v.node.items.length === 0) return emptyMatcher(r, v, TEXT_KEYS);
  const fields = r.fields(v, TEXT_KEYS, 'a text matcher');
  if (!fields) return undefined;

  const matcher: TextMatcher = {};
  for (const key of TEXT_CLAUSES) {
    const field = fields.get(key);
    const text = field && r.scalarText(field, 'text', options.booleans);
    if (text === undefined) continue;
    const problem = clauseProblem(key, text);
    if (problem) r.fail(field!.at, field!.path, problem);
    else matcher[key] = text;
  }
  const not = fields.get('not');
  const inner = not && readTextMatcher(r, not, options, depth + 1);
  if (inner) matcher.not = inner;
  return matcher;
}

/** A list matcher is always a map: a bare list would leave "exactly or includes?" open. */
export function readListMatcher(r: Reader, v: Value, depth = 0): ListMatcher | undefined {
  if (depth >= MAX_DEPTH) return r.fail(v.at, v.path, `matchers nest at most ${MAX_DEPTH} deep`);
  if (isMap(v.node) && v.node.items.length === 0) return emptyMatcher(r, v, LIST_KEYS);
  const fields = r.fields(v, LIST_KEYS, 'a list matcher (exactly, includes, excludes, not)');
  if (!fields) return undefined;

  const matcher: ListMatcher = {};
  for (const key of ['exactly', 'includes', 'excludes'] as const) {
    const field = fields.get(key);
    const items = field && r.stringList(field, 'entries');
    if (items !== undefined) matcher[key] = items;
  }
  const not = fields.get('not');
  const inner = not && readListMatcher(r, not, depth + 1);
  if (inner) matcher.not = inner;
  return matcher;
}

function emptyMatcher(r: Reader, v: Value, keys: readonly string[]): undefined {
  return r.fail(v.at, v.path, `an empty matcher would match anything; give one of ${keys.join(', ')}`);
}
