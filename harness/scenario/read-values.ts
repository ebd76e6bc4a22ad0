// Readers of values that several sections share: service references, paths, modes,
// ownership, and the pieces every step kind uses (its default name, a required `expect:`).
import { isScalar } from 'yaml';
import { childPath, type Fields, type Reader, type Value } from './read.js';
import { SAVED_NAME, SAVED_NAME_WORDS } from './saved.js';

const NAME_CHARS = 80;

/** A service name that must be declared under `services:`. */
export function readServiceRef(r: Reader, v: Value, services: ReadonlySet<string> | undefined): string | undefined {
  const name = r.nonEmptyString(v, 'a service name');
  if (name === undefined || services === undefined || services.has(name)) return name;
  const declared = services.size ? `declared: ${[...services].join(', ')}` : 'none are declared';
  return r.fail(v.at, v.path, `service \`${name}\` is not declared under \`services:\` (${declared})`);
}

export function readAbsolutePath(r: Reader, v: Value): string | undefined {
  const path = r.nonEmptyString(v, 'an absolute path');
  if (path !== undefined && !path.startsWith('/')) return r.fail(v.at, v.path, `expected an absolute path, got "${path}"`);
  return path;
}

/** `mode`, `owner` and `group` of a file, as a file step expects them or `files:` sets them. */
export function readOwnership(r: Reader, fields: Fields): { mode?: string; owner?: string; group?: string } {
  const ownership: { mode?: string; owner?: string; group?: string } = {};
  const mode = fields.get('mode');
  if (mode) ownership.mode = readMode(r, mode);
  for (const key of ['owner', 'group'] as const) {
    const field = fields.get(key);
    if (field) ownership[key] = r.nonEmptyString(field, `a ${key === 'owner' ? 'user' : 'group'} name`);
  }
  return ownership;
}

/** Octal permission text. YAML reads an unquoted 0644 as the number 644, which would be wrong. */
export function readMode(r: Reader, v: Value): string | undefined {
  if (isScalar(v.node) && typeof v.node.value === 'number') {
    return r.fail(v.at, v.path, 'quote the mode, e.g. "0644" (unquoted, YAML reads it as a decimal number)');
  }
  const mode = r.string(v, 'an octal mode such as "0644"');
  if (mode !== undefined && !/^[0-7]{3,4}$/.test(mode)) {
    return r.fail(v.at, v.path, `expected an octal mode of 3 or 4 digits such as "0644", got "${mode}"`);
  }
  return mode;
}

/** A step's `expect:`, which its kind requires; `example` shows what one looks like. */
export function requireExpect(r: Reader, fields: Fields, kind: string, example: string): Value | undefined {
  const field = fields.get('expect');
  if (field) return field;
  const step = fields.self;
  return r.fail(step.at, childPath(step.path, 'expect'), `a \`${kind}\` step needs \`expect:\`, e.g. ${example}`);
}

/** The name a step keeps a value under (`save:`), as `${{ NAME }}` names it later. */
export function readSavedName(r: Reader, v: Value): string | undefined {
  const name = r.nonEmptyString(v, 'a name for the saved value');
  if (name === undefined || SAVED_NAME.test(name)) return name;
  return r.fail(v.at, v.path, `expected a name of ${SAVED_NAME_WORDS} that starts with a letter or _, got "${name}"`);
}

/** `run: unshare --user true`: the step as written, one line, kept short. */
export function defaultName(kind: string, subject: string): string {
  const lines = subject.trim().split('\n');
  let text = lines[0];
  if (text.length > NAME_CHARS) text = `${text.slice(0, NAME_CHARS - 1)}…`;
  else if (lines.length > 1) text = `${text} …`;
  return `${kind}: ${text}`;
}
