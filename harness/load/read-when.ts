// `when:` — the package versions a step (or one of its expectations) is for — and
// `expect:` written as a list of per-version expectations.
import { isScalar, isSeq, YAMLMap, type Pair } from 'yaml';
import { parseRange } from '../versions/range.js';
import { Fields, type Reader, type Value } from '../scenario/read.js';
import { PACKAGE_NAME } from '../scenario/package-names.js';
import type { Condition, ExpectVariant } from '../scenario/types.js';
import type { Step } from './scenario.js';


/** `{systemd: ">=254 <257", util-linux: "<2.40"}`: every package's version must be in its range. */
export function readCondition(r: Reader, v: Value): Condition | undefined {
  const entries = r.entries(v, 'package versions, e.g. {systemd: ">=257"}');
  if (!entries) return undefined;
  if (entries.length === 0) return r.fail(v.at, v.path, 'an empty `when` would hold everywhere; name a package and a range, e.g. {systemd: ">=257"}');
  const condition: Condition = [];
  for (const [pkg, value] of entries) {
    if (!PACKAGE_NAME.test(pkg)) {
      r.failAtKey(value, `"${pkg}" is not a Debian package name (lower-case letters, digits, + - .), e.g. systemd or util-linux`);
      continue;
    }
    if (isScalar(value.node) && typeof value.node.value === 'number' && !Number.isInteger(value.node.value)) {
      r.fail(value.at, value.path, `quote a version with a dot, e.g. "${value.node.source ?? value.node.value}" (unquoted, YAML reads it as the number ${value.node.value})`);
      continue;
    }
    const range = r.scalarText(value, 'a version range such as ">=257" or ">=254 <257"');
    if (range === undefined) continue;
    try {
      condition.push({ package: pkg, range, clauses: parseRange(range), at: value.at });
    } catch (err) {
      r.fail(value.at, value.path, (err as Error).message);
    }
  }
  return condition;
}

/** What a step-kind reader needs to be run once per variant. */
export interface VariantInput {
  r: Reader;
  kind: string;
  fields: Fields;
  /** The kind's expectation is one word (pam: success | failure), written `is:` in a variant. */
  scalarExpect: boolean;
  /** Reads the whole step with `expect` standing for one variant's expectation. */
  readWith: (fields: Fields) => Step | undefined;
}

/**
 * `expect:` as a list: each item is `when:` beside what `expect:` would hold. The step is
 * read once per item; its first reading is the step, the rest give only their `expect`.
 */
export function readVariants({ r, kind, fields, scalarExpect, readWith }: VariantInput, list: Value): Step | undefined {
  const items = r.items(list, 'a list of per-version expectations')!;
  if (items.length === 0) return r.fail(list.at, list.path, 'expected at least one expectation, e.g. - {when: {systemd: ">=257"}, exit: 1}');
  const before = r.errors.length;
  const variants: ExpectVariant<unknown>[] = [];
  let first: Step | undefined;
  items.forEach((item, index) => {
    const what = `a per-version expectation of a \`${kind}\` step`;
    const entries = r.entries(item, what);
    if (!entries) return;
    const whenEntry = entries.find(([key]) => key === 'when');
    const last = index === items.length - 1;
    if (!whenEntry && !last) r.fail(item.at, item.path, 'only the last expectation may leave out `when:` (it applies where no earlier one does)');
    if (!whenEntry && items.length === 1) r.fail(item.at, item.path, 'a single expectation without `when:` needs no list; write it as a map');
    const when = whenEntry && readCondition(r, whenEntry[1]);
    const expect = scalarExpect ? scalarOf(r, item, entries, what) : withoutWhen(item);
    if (!expect) return;
    const step = readWith(replaceExpect(fields, expect));
    if (!step || (whenEntry && !when)) return;
    first ??= step;
    const variant: ExpectVariant<unknown> = { expect: (step as { expect?: unknown }).expect, at: item.at };
    if (when) variant.when = when;
    variants.push(variant);
  });
  // Reading the step once per variant repeats any problem outside `expect:`; say it once.
  const seen = new Set(r.errors.slice(0, before).map((e) => e.message));
  const added = r.errors.splice(before).filter((e) => !seen.has(e.message) && (seen.add(e.message), true));
  r.errors.push(...added);
  if (!first || variants.length !== items.length) return undefined;
  return { ...first, variants };
}

/** The variant's map without its `when` entry, keeping every node's place in the file. */
function withoutWhen(item: Value): Value {
  const map = new YAMLMap();
  const source = item.node as YAMLMap;
  map.items = source.items.filter((pair: Pair) => !(isScalar(pair.key) && pair.key.value === 'when'));
  map.range = source.range;
  return { path: item.path, node: map, at: item.at };
}

function scalarOf(r: Reader, item: Value, entries: Array<[string, Value]>, what: string): Value | undefined {
  const kept = r.keep(item, entries, ['when', 'is'], what);
  const is = kept.get('is');
  if (!is) return r.fail(item.at, item.path, `${what.replace(/^a /, 'each ')} says \`is:\` beside \`when:\`, e.g. is: failure`);
  return is;
}

function replaceExpect(fields: Fields, expect: Value): Fields {
  const byKey = new Map(fields.keys().map((key) => [key, fields.get(key)!] as const));
  byKey.set('expect', expect);
  return new Fields(fields.self, byKey);
}

export function isVariantList(v: Value | undefined): v is Value {
  return v !== undefined && isSeq(v.node);
}
