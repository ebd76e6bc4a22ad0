// Typed, located reading of a parsed YAML document. Every reader either returns a value
// or records a ScenarioError at the node to fix and returns undefined; nothing throws, so
// one pass over a file reports all of its problems.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Scalar } from 'yaml';
import { describe, isEmpty } from './describe-node.js';
import { parseDuration } from './duration.js';
import { ScenarioError } from './errors.js';
import type { Location } from './types.js';
import { nearest } from '../util/nearest.js';

/** A value in the document: its node (null when the key has no value), key path and place. */
export interface Value {
  path: string;
  node: Node | null;
  /** Where messages about the value point: the value itself, or its key when it is empty. */
  at: Location;
  /** Where the key of a map entry is; absent for list items and the document root. */
  keyAt?: Location;
}

/** The entries of a map whose keys were checked against a known set. */
export class Fields {
  constructor(
    readonly self: Value,
    private readonly byKey: Map<string, Value>,
  ) {}

  get(key: string): Value | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }
}

type Scalarish = string | number | boolean;

export class Reader {
  readonly errors: ScenarioError[] = [];

  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    /** The file's text, to point inside a scalar (a reference within a command). */
    private readonly source = '',
  ) {}

  /** The whole document as a Value (key path ''). */
  root(): Value {
    return this.value('', this.doc.contents as Node | null, { file: this.file, line: 1, col: 1 });
  }

  private locate(offset: number): Location {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /** Records a problem at `at`; returns undefined so that readers can `return this.fail(...)`. */
  fail(at: Location, path: string, problem: string): undefined {
    this.errors.push(new ScenarioError(at.file, at.line, at.col, path, problem));
    return undefined;
  }

  /** Records a problem about a map entry as a whole (unknown, refused, misplaced) at its key. */
  failAtKey(v: Value, problem: string): undefined {
    return this.fail(v.keyAt ?? v.at, v.path, problem);
  }

  /**
   * Where the `nth` occurrence of `needle` in a scalar's value is written in the file:
   * its own line and column, inside quotes or a block scalar too. Falls back to the
   * scalar's start when the written form does not show it as often (escapes).
   */
  within(v: Value, needle: string, nth: number): Location {
    const [start, end] = v.node?.range ?? [];
    if (start === undefined || end === undefined) return v.at;
    const written = this.source.slice(start, end);
    let offset = -1;
    for (let i = 0; i <= nth; i++) {
      offset = written.indexOf(needle, offset + 1);
      if (offset < 0) return v.at;
    }
    return this.locate(start + offset);
  }

  // ── maps and lists ────────────────────────────────────────────────────────

  /**
   * A map whose keys must all be in `known`; an unknown key is reported at the key,
   * with the nearest known key as a hint.
   */
  fields(v: Value, known: readonly string[], what: string): Fields | undefined {
    const entries = this.entries(v, what);
    return entries && this.keep(v, entries, known, what);
  }

  /** As `fields`, for entries already read (when the known keys depend on one of them). */
  keep(v: Value, entries: Array<[string, Value]>, known: readonly string[], what: string): Fields {
    const kept = new Map<string, Value>();
    for (const [key, entry] of entries) {
      if (known.includes(key)) kept.set(key, entry);
      else this.failAtKey(entry, unknownKeyProblem(key, known, what));
    }
    return new Fields(v, kept);
  }

  /** A map with free-form keys (services, files, sysctl …), in document order. */
  entries(v: Value, what: string): Array<[string, Value]> | undefined {
    if (!isMap(v.node)) return this.fail(v.at, v.path, `expected ${what} (a map), got ${describe(v.node)}`);
    const result: Array<[string, Value]> = [];
    for (const pair of v.node.items) {
      const keyNode = pair.key as Node | null;
      const keyAt = this.nodeAt(keyNode, v.at);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        this.fail(keyAt, v.path, `keys of ${what} must be plain text, got ${describe(keyNode)}`);
        continue;
      }
      const key = String(keyNode.value);
      const entry = this.value(childPath(v.path, key), pair.value as Node | null, keyAt);
      result.push([key, { ...entry, keyAt }]);
    }
    return result;
  }

  /** What a map or list holds, unchecked: for a walk over a whole subtree that reports
   *  only its own findings (the readers have reported the shape already). */
  children(v: Value): Array<{ key?: string; keyNode?: Node | null; value: Value }> {
    if (isMap(v.node)) {
      return v.node.items.map((pair) => {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
        const keyAt = this.nodeAt(keyNode, v.at);
        const value = this.value(childPath(v.path, key ?? '?'), pair.value as Node | null, keyAt);
        return { key, keyNode, value: { ...value, keyAt } };
      });
    }
    if (isSeq(v.node)) return v.node.items.map((item, i) => ({ value: this.value(`${v.path}[${i}]`, item as Node | null, v.at) }));
    return [];
  }

  /** The items of a list; `what` names it, e.g. "a list of steps". */
  items(v: Value, what: string): Value[] | undefined {
    if (!isSeq(v.node)) return this.fail(v.at, v.path, `expected ${what}, got ${describe(v.node)}`);
    return v.node.items.map((item, i) => this.value(`${v.path}[${i}]`, item as Node | null, v.at));
  }

  // ── scalars ───────────────────────────────────────────────────────────────

  string(v: Value, what = 'text'): string | undefined {
    const scalar = this.scalar(v);
    if (typeof scalar === 'string') return scalar;
    const hint = typeof scalar === 'number' || typeof scalar === 'boolean' ? '; quote it if you mean text' : '';
    return this.fail(v.at, v.path, `expected ${what}, got ${describe(v.node)}${hint}`);
  }

  /** Text that must not be empty or blank. */
  nonEmptyString(v: Value, what = 'text'): string | undefined {
    const text = this.string(v, what);
    if (text !== undefined && text.trim() === '') return this.fail(v.at, v.path, `expected ${what}, got empty text`);
    return text;
  }

  /** A string, number or boolean, for places where YAML's typing is not the point. */
  scalarText(v: Value, what: string, booleans: [yes: string, no: string] = ['true', 'false']): string | undefined {
    const scalar = this.scalar(v);
    if (typeof scalar === 'string') return scalar;
    if (typeof scalar === 'number' && Number.isFinite(scalar)) return String(scalar);
    if (typeof scalar === 'boolean') return scalar ? booleans[0] : booleans[1];
    return this.fail(v.at, v.path, `expected ${what}, got ${describe(v.node)}`);
  }

  bool(v: Value): boolean | undefined {
    const scalar = this.scalar(v);
    if (typeof scalar === 'boolean') return scalar;
    return this.fail(v.at, v.path, `expected true or false, got ${describe(v.node)}`);
  }

  /** An integer in [min, max]. */
  integer(v: Value, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const scalar = this.scalar(v);
    if (typeof scalar !== 'number' || !Number.isInteger(scalar)) {
      return this.fail(v.at, v.path, `expected a whole number, got ${describe(v.node)}`);
    }
    if (scalar < min || scalar > max) {
      const range = max !== Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : min === 1 ? 'above zero' : `of at least ${min}`;
      return this.fail(v.at, v.path, `expected a whole number ${range}, got ${scalar}`);
    }
    return scalar;
  }

  /** Milliseconds, more than zero. */
  duration(v: Value): number | undefined {
    const scalar = this.scalar(v);
    if (typeof scalar === 'number') {
      return this.fail(v.at, v.path, `a duration needs a unit; write e.g. "${scalar}s" (units: ms, s, m, h)`);
    }
    const text = this.string(v, 'a duration such as "30s"');
    if (text === undefined) return undefined;
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch (err) {
      return this.fail(v.at, v.path, (err as Error).message);
    }
    if (ms <= 0) return this.fail(v.at, v.path, `a duration must be longer than zero, got "${text}"`);
    return ms;
  }

  /** One of a fixed set of words. */
  oneOf<T extends string>(v: Value, choices: readonly T[]): T | undefined {
    const text = this.string(v, `one of ${choices.join(', ')}`);
    if (text === undefined) return undefined;
    if ((choices as readonly string[]).includes(text)) return text as T;
    return this.fail(v.at, v.path, `expected one of ${choices.join(', ')}, got "${text}"`);
  }

  /** A list of texts; every bad item is reported. */
  stringList(v: Value, what: string): string[] | undefined {
    const items = this.items(v, `a list of ${what}`);
    if (!items) return undefined;
    return items.map((item) => this.string(item, what) ?? '');
  }

  // ── plumbing ──────────────────────────────────────────────────────────────

  /** Wraps a node, following aliases; an empty value points at `fallback` (its key). */
  private value(path: string, node: Node | null, fallback: Location): Value {
    const at = isEmpty(node) ? fallback : this.nodeAt(node, fallback);
    if (isAlias(node)) {
      const target = node.resolve(this.doc) ?? null;
      if (target === null) this.fail(at, path, `alias *${node.source} refers to no anchor`);
      return { path, node: target, at };
    }
    return { path, node, at };
  }

  private nodeAt(node: Node | null, fallback: Location): Location {
    const offset = node?.range?.[0];
    return offset === undefined ? fallback : this.locate(offset);
  }

  private scalar(v: Value): Scalarish | null | undefined {
    if (!isScalar(v.node)) return undefined;
    const value = (v.node as Scalar).value;
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
  }
}

/** `a.b`, or `a["/etc/x"]` when the key is not a plain identifier. */
export function childPath(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function unknownKeyProblem(key: string, known: readonly string[], what: string): string {
  const near = nearest(key, known);
  const hint = near ? `; did you mean \`${near}\`?` : `; known keys: ${known.join(', ')}`;
  return `unknown key \`${key}\` in ${what}${hint}`;
}

/** A field that must be there; its absence is reported at `at` (default: the map itself). */
export function required(r: Reader, fields: Fields, key: string, problem: string, at?: Location): Value | undefined {
  const field = fields.get(key);
  if (field) return field;
  const parent = fields.self;
  return r.fail(at ?? parent.at, parent.path ? `${parent.path}.${key}` : key, problem);
}

/** A field that may be absent: read when there. */
export function optionalField<T>(fields: Fields, key: string, read: (v: Value) => T | undefined): T | undefined {
  const field = fields.get(key);
  return field ? read(field) : undefined;
}
