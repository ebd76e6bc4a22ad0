// Steps of a scenario. Each step kind is one entry of STEP_KINDS: the keys it takes
// besides its own and the common ones, and a small function that reads it.
// As everywhere in the loader, a reader may return a partly read value after recording
// an error: the file is then refused as a whole, so that value is never used.
import { isScalar, isSeq } from 'yaml';
import { childPath, type Fields, type Reader, type Value } from './read.js';
import { readListMatcher, readTextMatcher } from './read-matchers.js';
import { isVariantList, readCondition, readVariants } from './read-when.js';
import { ACCESS_LEVELS, type AccessLevel, type ChrootExpect, type ChrootStep, type JournalStep, type ListMatcher, type UsernsExpect, type UsernsStep } from './types.js';
import type { FileExpect, FileStep, PamStep, RunExpect, RunStep, ServiceActionStep, Step, TextMatcher, UnitStep } from './types.js';

/** What every step carries, read before the kind-specific part. */
export type StepBase = Pick<RunStep, 'name' | 'at' | 'withinMs' | 'everyMs' | 'when'>;

/** What a step-kind reader is given. */
export interface StepInput {
  r: Reader;
  kind: string;
  /** The value of the kind key, e.g. the command of `run:`. */
  subject: Value;
  fields: Fields;
  /** The common fields, named by the step's `name:` or else by `defaultName`. */
  base: (defaultName: string) => StepBase;
  /** Services declared under `services:`; undefined when that section was unreadable. */
  services?: ReadonlySet<string>;
}

interface StepKind {
  keys: readonly string[];
  read: (input: StepInput) => Step | undefined;
  /** Its `expect:` is one word, so a per-version expectation writes it as `is:`. */
  scalarExpect?: boolean;
}

const COMMON_KEYS = ['name', 'within', 'every', 'when'] as const;
const DEFAULT_EVERY_MS = 1000;
const NAME_CHARS = 80;

const STEP_KINDS: Record<string, StepKind> = {
  run: { keys: ['user', 'in', 'expect'], read: readRunStep },
  file: { keys: ['expect'], read: readFileStep },
  start: { keys: [], read: readServiceAction },
  stop: { keys: [], read: readServiceAction },
  restart: { keys: [], read: readServiceAction },
  unit: { keys: ['expect'], read: readUnitStep },
  pam: { keys: ['expect'], read: readPamStep, scalarExpect: true },
  chroot: { keys: ['expect'], read: readChrootStep },
  userns: { keys: ['expect'], read: readUsernsStep },
  journal: { keys: ['expect'], read: readJournalStep },
};

const ALL_KINDS = Object.keys(STEP_KINDS);

export function readSteps(r: Reader, v: Value, services: ReadonlySet<string> | undefined): Step[] {
  const items = r.items(v, 'a list of steps');
  if (!items) return [];
  if (items.length === 0) r.fail(v.at, v.path, 'a scenario needs at least one step');
  return items.map((item) => readStep(r, item, services)).filter((step): step is Step => step !== undefined);
}

function readStep(r: Reader, v: Value, services: ReadonlySet<string> | undefined): Step | undefined {
  const entries = r.entries(v, 'a step');
  if (!entries) return undefined;
  const kinds = entries.filter(([key]) => ALL_KINDS.includes(key));
  if (kinds.length === 0) return reportMissingKind(r, v, entries);
  if (kinds.length > 1) {
    const [second, extra] = kinds[1];
    return r.failAtKey(extra, `a step does one thing; this one has both \`${kinds[0][0]}\` and \`${second}\``);
  }
  const [kind, subject] = kinds[0];
  const stepKind = STEP_KINDS[kind];
  if (!stepKind) return r.failAtKey(subject, `\`${kind}\` steps are not supported yet by this harness`);

  const fields = r.keep(v, entries, [kind, ...COMMON_KEYS, ...stepKind.keys], `a \`${kind}\` step`);
  const nameField = fields.get('name');
  const explicitName = nameField && r.nonEmptyString(nameField, 'a step name');
  const timing = readTiming(r, fields);
  const whenField = fields.get('when');
  const when = whenField && readCondition(r, whenField);
  const base = (defaultName: string): StepBase => ({
    name: explicitName ?? defaultName,
    at: v.at,
    ...timing,
    ...(when ? { when } : {}),
  });
  const readWith = (withFields: Fields) => stepKind.read({ r, kind, subject, fields: withFields, base, services });
  const expectField = fields.get('expect');
  if (isVariantList(expectField)) {
    return readVariants({ r, kind, fields, scalarExpect: stepKind.scalarExpect ?? false, readWith }, expectField);
  }
  return readWith(fields);
}

function reportMissingKind(r: Reader, v: Value, entries: Array<[string, Value]>): undefined {
  const allKeys = [...ALL_KINDS, ...COMMON_KEYS, ...new Set(Object.values(STEP_KINDS).flatMap((k) => k.keys))];
  const before = r.errors.length;
  r.keep(v, entries, allKeys, 'a step');
  // An unknown key such as `runn:` already says what is wrong, with a hint.
  if (r.errors.length === before) r.fail(v.at, v.path, `a step needs one of: ${ALL_KINDS.join(', ')}`);
  return undefined;
}

function readTiming(r: Reader, fields: Fields): Pick<StepBase, 'withinMs' | 'everyMs'> {
  const within = fields.get('within');
  const every = fields.get('every');
  const withinMs = within && r.duration(within);
  const everyMs = every && r.duration(every);
  if (every && !within) r.failAtKey(every, '`every` only makes sense with `within` (how long to retry)');
  const timing: Pick<StepBase, 'withinMs' | 'everyMs'> = { everyMs: everyMs ?? DEFAULT_EVERY_MS };
  if (withinMs !== undefined) timing.withinMs = withinMs;
  return timing;
}

// ── the kinds ───────────────────────────────────────────────────────────────

function readRunStep({ r, subject, fields, base, services }: StepInput): RunStep | undefined {
  const command = r.nonEmptyString(subject, 'a shell command');
  const userField = fields.get('user');
  const user = userField && r.nonEmptyString(userField, 'a user name');
  const inField = fields.get('in');
  const inService = inField && readServiceRef(r, inField, services);
  // Inside a service the command runs with the service's own ids; another user would be a guess.
  if (inField && userField) r.failAtKey(userField, '`user` and `in` do not combine: `run … in:` runs as the service\'s own user');
  const expectField = fields.get('expect');
  const expect = expectField ? readRunExpect(r, expectField) : { exit: 0 };
  if (command === undefined || expect === undefined) return undefined;
  const step: RunStep = { kind: 'run', ...base(defaultName('run', command)), command, expect };
  if (user !== undefined) step.user = user;
  if (inService !== undefined) step.in = inService;
  return step;
}

function readRunExpect(r: Reader, v: Value): RunExpect | undefined {
  const fields = r.fields(v, ['exit', 'stdout', 'stderr'], 'the expectations of a `run` step');
  if (!fields) return undefined;
  const exitField = fields.get('exit');
  const expect: RunExpect = { exit: (exitField ? r.integer(exitField, 0, 255) : 0) ?? 0 };
  for (const stream of ['stdout', 'stderr'] as const) {
    const field = fields.get(stream);
    const matcher = field && readTextMatcher(r, field);
    if (matcher) expect[stream] = matcher;
  }
  return expect;
}

function readFileStep({ r, subject, fields, base }: StepInput): FileStep | undefined {
  const path = readAbsolutePath(r, subject);
  const expectField = fields.get('expect');
  const expect = expectField ? readFileExpect(r, expectField) : {};
  if (path === undefined || expect === undefined) return undefined;
  return { kind: 'file', ...base(defaultName('file', path)), path, expect };
}

function readFileExpect(r: Reader, v: Value): FileExpect | undefined {
  const fields = r.fields(v, ['exists', 'content', 'mode', 'owner', 'group'], 'the expectations of a `file` step');
  if (!fields) return undefined;
  const expect: FileExpect = {};
  const exists = fields.get('exists');
  if (exists) expect.exists = r.bool(exists);
  const content = fields.get('content');
  if (content) expect.content = readTextMatcher(r, content);
  Object.assign(expect, readOwnership(r, fields));
  const describesContent = ['content', 'mode', 'owner', 'group'].filter((key) => fields.has(key));
  if (expect.exists === false && describesContent.length > 0) {
    r.fail(exists!.at, exists!.path, `a file expected not to exist has no ${describesContent.join(' or ')} to check`);
  }
  return expect;
}

function readServiceAction({ r, kind, subject, base, services }: StepInput): ServiceActionStep | undefined {
  const service = readServiceRef(r, subject, services);
  if (service === undefined) return undefined;
  return { kind: kind as ServiceActionStep['kind'], ...base(defaultName(kind, service)), service };
}

function readUnitStep({ r, subject, fields, base, services }: StepInput): UnitStep | undefined {
  const service = readServiceRef(r, subject, services);
  const expectField = fields.get('expect');
  if (!expectField) {
    const step = fields.self;
    return r.fail(step.at, childPath(step.path, 'expect'), 'a `unit` step needs `expect:`, e.g. {ActiveState: active}');
  }
  const expect = readUnitExpect(r, expectField);
  if (service === undefined || expect === undefined) return undefined;
  return { kind: 'unit', ...base(defaultName('unit', service)), service, expect };
}

function readUnitExpect(r: Reader, v: Value): Record<string, TextMatcher> | undefined {
  const entries = r.entries(v, 'systemctl properties to expect');
  if (!entries) return undefined;
  if (entries.length === 0) return r.fail(v.at, v.path, 'expected at least one systemctl property, e.g. ActiveState: active');
  const expect: Record<string, TextMatcher> = {};
  for (const [property, value] of entries) {
    if (!/^[A-Za-z]+$/.test(property)) {
      r.failAtKey(value, `"${property}" is not a systemctl property name (letters only, e.g. ActiveState)`);
      continue;
    }
    // systemctl show prints yes/no, so `NoNewPrivileges: true` should mean what it says.
    const matcher = readTextMatcher(r, value, { booleans: ['yes', 'no'] });
    if (matcher) expect[property] = matcher;
  }
  return expect;
}

const PAM_OPS = ['auth', 'acct_mgmt', 'open_session'] as const;
const PAM_OUTCOMES = ['success', 'failure'] as const;

function readPamStep({ r, subject, fields, base }: StepInput): PamStep | undefined {
  const spec = r.fields(subject, ['service', 'user', 'op'], 'a PAM operation {service, user, op}');
  if (!spec) return undefined;
  const missing = ['service', 'user', 'op'].filter((key) => !spec.has(key));
  if (missing.length) return r.fail(subject.at, subject.path, `a \`pam\` step needs ${missing.join(', ')}`);
  const service = r.nonEmptyString(spec.get('service')!, 'a PAM service name (a file under /etc/pam.d)');
  const user = r.nonEmptyString(spec.get('user')!, 'a user name');
  const op = r.oneOf(spec.get('op')!, PAM_OPS);
  const expectField = requireExpect(r, fields, 'pam', 'success or failure');
  if (!expectField) return undefined;
  const expect = r.oneOf(expectField, PAM_OUTCOMES);
  if (service === undefined || user === undefined || op === undefined || expect === undefined) return undefined;
  if (service.includes('/')) return r.fail(spec.get('service')!.at, spec.get('service')!.path, `a PAM service is a file name under /etc/pam.d, got "${service}"`);
  return { kind: 'pam', ...base(`pam: ${op} ${user} via ${service}`), service, user, op, expect };
}

// ── confinement steps ───────────────────────────────────────────────────────


function readChrootStep({ r, subject, fields, base, services }: StepInput): ChrootStep | undefined {
  const service = readServiceRef(r, subject, services);
  const expectField = requireExpect(r, fields, 'chroot', '{contains: [/bin/sh], absent: [/etc]}');
  const expect = expectField && readChrootExpect(r, expectField);
  if (service === undefined || expect === undefined) return undefined;
  return { kind: 'chroot', ...base(`chroot: ${service}`), service, expect };
}

function readChrootExpect(r: Reader, v: Value): ChrootExpect | undefined {
  const fields = r.fields(v, ['contains', 'absent', 'entries', 'access'], 'the expectations of a `chroot` step');
  if (!fields) return undefined;
  const expect: ChrootExpect = {};
  for (const key of ['contains', 'absent'] as const) {
    const field = fields.get(key);
    const items = field && r.items(field, `a list of absolute paths`);
    if (items) expect[key] = items.map((item) => readAbsolutePath(r, item) ?? '');
  }
  const entries = fields.get('entries');
  if (entries) expect.entries = readEntriesMatcher(r, entries);
  const access = fields.get('access');
  if (access) expect.access = readAccess(r, access);
  if (fields.keys().length === 0) return r.fail(v.at, v.path, 'expected at least one of contains, absent, entries, access');
  return expect;
}

/** A bare list of top-level entries means exactly those; a matcher map says more. */
function readEntriesMatcher(r: Reader, v: Value): ListMatcher | undefined {
  if (isSeq(v.node)) {
    const exactly = r.stringList(v, 'entry names');
    return exactly && { exactly };
  }
  return readListMatcher(r, v);
}

function readAccess(r: Reader, v: Value): Record<string, AccessLevel> | undefined {
  const entries = r.entries(v, 'access levels by path (none, readable, special, sticky, writable)');
  if (!entries) return undefined;
  if (entries.length === 0) return r.fail(v.at, v.path, 'expected at least one path, or `default`');
  const access: Record<string, AccessLevel> = {};
  for (const [path, value] of entries) {
    if (path !== 'default' && !path.startsWith('/')) {
      r.failAtKey(value, `expected an absolute path or \`default\`, got "${path}"`);
      continue;
    }
    const level = r.oneOf(value, ACCESS_LEVELS);
    // /run/ and /run name the same directory; the check compares normalized paths.
    if (level !== undefined) access[path === 'default' || path === '/' ? path : path.replace(/\/+$/, '')] = level;
  }
  return access;
}

function readUsernsStep({ r, subject, fields, base, services }: StepInput): UsernsStep | undefined {
  const service = readServiceRef(r, subject, services);
  const expectField = requireExpect(r, fields, 'userns', '{private: true}');
  const expect = expectField && readUsernsExpect(r, expectField);
  if (service === undefined || expect === undefined) return undefined;
  return { kind: 'userns', ...base(`userns: ${service}`), service, expect };
}

function readUsernsExpect(r: Reader, v: Value): UsernsExpect | undefined {
  const fields = r.fields(v, ['private', 'uidMap', 'gidMap'], 'the expectations of a `userns` step');
  if (!fields) return undefined;
  if (fields.keys().length === 0) return r.fail(v.at, v.path, 'expected at least one of private, uidMap, gidMap');
  const expect: UsernsExpect = {};
  const privateField = fields.get('private');
  if (privateField) expect.private = r.bool(privateField);
  for (const key of ['uidMap', 'gidMap'] as const) {
    const field = fields.get(key);
    const matcher = field && readTextMatcher(r, field);
    if (matcher) expect[key] = matcher;
  }
  return expect;
}

function readJournalStep({ r, subject, fields, base, services }: StepInput): JournalStep | undefined {
  const service = readServiceRef(r, subject, services);
  const expectField = requireExpect(r, fields, 'journal', '{notContains: "Failed to create"}');
  const expect = expectField && readTextMatcher(r, expectField);
  if (service === undefined || expect === undefined) return undefined;
  return { kind: 'journal', ...base(`journal: ${service}`), service, expect };
}

function requireExpect(r: Reader, fields: Fields, kind: string, example: string): Value | undefined {
  const field = fields.get('expect');
  if (field) return field;
  const step = fields.self;
  return r.fail(step.at, childPath(step.path, 'expect'), `a \`${kind}\` step needs \`expect:\`, e.g. ${example}`);
}

// ── shared pieces ───────────────────────────────────────────────────────────

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

/** `run: unshare --user true`: the step as written, one line, kept short. */
function defaultName(kind: string, subject: string): string {
  const lines = subject.trim().split('\n');
  let text = lines[0];
  if (text.length > NAME_CHARS) text = `${text.slice(0, NAME_CHARS - 1)}…`;
  else if (lines.length > 1) text = `${text} …`;
  return `${kind}: ${text}`;
}
