// `process:` — what a running service's main process may do, as the kernel says it: its
// capability sets, no-new-privileges, the seccomp mode in force and its umask. It also
// records systemd's own view of the unit's exposure (`systemd-analyze security`), so that
// `compare` shows when a systemd upgrade moved it.
import { isSeq } from 'yaml';
import { serviceProcess } from '../confinement/process.js';
import {
  CAPABILITY_NAMES, CAPABILITY_SETS, normalUmask, parsePrivileges, SECCOMP_MODES, STATUS_FIELDS,
  type CapabilitySet, type Privileges, type SeccompMode,
} from '../confinement/privileges.js';
import { describeMismatch, matchList } from '../scenario/matchers.js';
import type { ListMatcher, StepBase } from '../scenario/types.js';
import type { Reader, Value } from '../scenario/read.js';
import { nearest } from '../util/nearest.js';
import { shellQuote } from '../util/quote.js';
import { mapExpect, readServiceCheck, SERVICE_SUBJECT, type StepInput, type StepKind } from './kind.js';
import type { Observation } from '../report/observed.js';
import { NO_MAIN_PROCESS, observing, verdict, type CheckContext, type CheckResult } from './context.js';

export interface ProcessExpect {
  capabilities?: Partial<Record<CapabilitySet, ListMatcher>>;
  noNewPrivileges?: boolean;
  seccomp?: SeccompMode;
  umask?: string;
}

export interface ProcessStep extends StepBase {
  kind: 'process';
  service: string;
  expect: ProcessExpect;
}

// The loader knows the kernel's names; the schema only their shape.
const NAMES = { type: 'array', items: { type: 'string', pattern: '^CAP_[A-Z_]+$' } };
const CAPABILITY_LIST = {
  anyOf: [
    { ...NAMES, description: 'exactly these' },
    { type: 'object', minProperties: 1, additionalProperties: false, properties: { exactly: NAMES, includes: NAMES, excludes: NAMES } },
  ],
};

export const processKind: StepKind<ProcessStep> = {
  name: 'process',
  read: readProcessStep,
  check: checkProcess,
  schema: {
    subject: SERVICE_SUBJECT,
    expect: mapExpect({
      capabilities: {
        ...mapExpect(Object.fromEntries(CAPABILITY_SETS.map((set) => [set, CAPABILITY_LIST]))),
        description: 'capability sets of the main process (CAP_… names as systemd writes them); a bare list means exactly these',
      },
      noNewPrivileges: { type: 'boolean', description: "the kernel's NoNewPrivs flag of the main process" },
      seccomp: { enum: [...SECCOMP_MODES], description: 'the seccomp mode in force: filter when any system call filter applies' },
      umask: { type: 'string', pattern: '^0?[0-7]{3}$', description: 'the umask of the main process, in octal (quoted: "0022")' },
    }),
    expectRequired: true,
  },
};

/** /proc/PID/status's fields, then systemd's exposure view of the unit (JSON, or why not). */
function privilegesCommand(pid: number, unit: string): string {
  return [
    `grep -E '^(${STATUS_FIELDS.join('|')}):' /proc/${pid}/status`,
    'echo ---',
    `systemd-analyze security --json=short --no-pager -- ${shellQuote(unit)} 2>&1 || true`,
  ].join('\n');
}

export async function checkProcess(step: ProcessStep, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(step.service);
  const process = await serviceProcess(ctx.guest, unit, ctx.commandTimeoutMs());
  if (!process) return observing(verdict([`${unit} has no running main process to look at`], `$ systemctl show -p MainPID ${unit}\n0`), NO_MAIN_PROCESS);
  const output = await ctx.guest.succeed(privilegesCommand(process.pid, unit), { timeoutMs: ctx.commandTimeoutMs() });
  const [status, security = ''] = splitOnce(output, '\n---\n');
  const seen = parsePrivileges(process.pid, status);
  const exposure = parseSecurity(security);
  const described = [describePrivileges(unit, seen), `systemd-analyze security: ${exposure.summary}`].join('\n');
  return observing(verdict(judgeProcess(step.expect, seen), described), { ...observePrivileges(seen), exposure: exposure.settings });
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + separator.length)];
}

/** Every way the process differs from the expectation, one line each. */
export function judgeProcess(expect: ProcessExpect, seen: Privileges): string[] {
  const mismatches: string[] = [];
  for (const set of CAPABILITY_SETS) {
    const matcher = expect.capabilities?.[set];
    if (!matcher) continue;
    const match = matchList(matcher, seen.capabilities[set]);
    if (!match.ok) mismatches.push(describeMismatch(`capabilities.${set}`, match.expected, seen.capabilities[set].join(' ') || '(none)'));
  }
  if (expect.noNewPrivileges !== undefined && expect.noNewPrivileges !== seen.noNewPrivileges) {
    mismatches.push(`noNewPrivileges: expected ${expect.noNewPrivileges}, got ${seen.noNewPrivileges}`);
  }
  if (expect.seccomp !== undefined && expect.seccomp !== seen.seccomp) {
    const filters = seen.seccompFilters ? ` (${seen.seccompFilters} filters)` : '';
    mismatches.push(`seccomp: expected ${expect.seccomp}, got ${seen.seccomp}${filters}`);
  }
  if (expect.umask !== undefined && expect.umask !== seen.umask) mismatches.push(`umask: expected ${expect.umask}, got ${seen.umask}`);
  return mismatches;
}

/** The record: every set by name; no pid. */
export function observePrivileges(seen: Privileges): Observation {
  const observed: Observation = {};
  for (const set of CAPABILITY_SETS) observed[`capabilities.${set}`] = seen.capabilities[set];
  observed.noNewPrivileges = seen.noNewPrivileges;
  observed.seccomp = seen.seccomp;
  if (seen.seccompFilters !== undefined) observed.seccompFilters = seen.seccompFilters;
  observed.umask = seen.umask;
  return observed;
}

function describePrivileges(unit: string, seen: Privileges): string {
  const lines = [`main process of ${unit} (pid ${seen.pid}), as /proc/${seen.pid}/status says`];
  for (const set of CAPABILITY_SETS) lines.push(`${set.padEnd(11)} ${seen.capabilities[set].join(' ') || '(none)'}`);
  const filters = seen.seccompFilters !== undefined ? `, ${seen.seccompFilters} filters` : '';
  lines.push(`no-new-privileges ${seen.noNewPrivileges}`, `seccomp ${seen.seccomp}${filters}`, `umask ${seen.umask}`);
  return lines.join('\n');
}

/**
 * `systemd-analyze security --json=short` (systemd 250 and later): each test's setting and
 * whether the unit has it, as "set" or "unset"; an older systemd's answer is kept as said.
 */
export function parseSecurity(text: string): { settings: Record<string, string>; summary: string } {
  let tests: unknown;
  try {
    tests = JSON.parse(text);
  } catch {
    const said = text.trim().split('\n').slice(-1)[0] ?? '';
    return { settings: { unavailable: said.slice(0, 200) }, summary: `no JSON (${said.slice(0, 200)})` };
  }
  const settings: Record<string, string> = {};
  for (const test of Array.isArray(tests) ? tests : []) {
    const { name, json_field: field, set } = test as { name?: string; json_field?: string; set?: boolean };
    const key = field ?? name;
    if (key) settings[key] = set ? 'set' : 'unset';
  }
  const unset = Object.entries(settings).filter(([, value]) => value === 'unset').map(([key]) => key);
  return { settings, summary: `${Object.keys(settings).length} tests, unset: ${unset.join(' ') || '(none)'}` };
}

function readProcessStep(input: StepInput): ProcessStep | undefined {
  return readServiceCheck(input, 'process', '{capabilities: {effective: []}, noNewPrivileges: true}', readProcessExpect);
}

function readProcessExpect(r: Reader, v: Value): ProcessExpect | undefined {
  const fields = r.fields(v, ['capabilities', 'noNewPrivileges', 'seccomp', 'umask'], 'the expectations of a `process` step');
  if (!fields) return undefined;
  if (fields.keys().length === 0) return r.fail(v.at, v.path, 'expected at least one of capabilities, noNewPrivileges, seccomp, umask');
  const expect: ProcessExpect = {};
  const capabilities = fields.get('capabilities');
  if (capabilities) expect.capabilities = readCapabilities(r, capabilities);
  const noNewPrivileges = fields.get('noNewPrivileges');
  if (noNewPrivileges) expect.noNewPrivileges = r.bool(noNewPrivileges);
  const seccomp = fields.get('seccomp');
  if (seccomp) expect.seccomp = r.oneOf(seccomp, SECCOMP_MODES);
  const umask = fields.get('umask');
  const umaskText = umask && r.string(umask, 'a umask in octal, e.g. "0022"');
  if (umask && umaskText !== undefined) {
    expect.umask = normalUmask(umaskText) ?? r.fail(umask.at, umask.path, `expected a umask of three or four octal digits, e.g. "0022", got "${umaskText}"`);
  }
  return expect;
}

function readCapabilities(r: Reader, v: Value): Partial<Record<CapabilitySet, ListMatcher>> | undefined {
  const fields = r.fields(v, CAPABILITY_SETS, 'capability sets');
  if (!fields) return undefined;
  if (fields.keys().length === 0) return r.fail(v.at, v.path, `expected at least one of ${CAPABILITY_SETS.join(', ')}`);
  const sets: Partial<Record<CapabilitySet, ListMatcher>> = {};
  for (const set of CAPABILITY_SETS) {
    const field = fields.get(set);
    const matcher = field && readCapabilityList(r, field);
    if (matcher) sets[set] = matcher;
  }
  return sets;
}

/** A bare list means exactly these; a map takes exactly, includes, excludes. Each name is
 *  checked against the kernel's, so a typo is an error here, not a pass there. */
function readCapabilityList(r: Reader, v: Value): ListMatcher | undefined {
  if (isSeq(v.node)) {
    const exactly = readNames(r, v);
    return exactly && { exactly };
  }
  const fields = r.fields(v, ['exactly', 'includes', 'excludes'], 'a capability list (exactly, includes, excludes)');
  if (!fields) return undefined;
  if (fields.keys().length === 0) return r.fail(v.at, v.path, 'an empty matcher would match anything; give one of exactly, includes, excludes');
  const matcher: ListMatcher = {};
  for (const key of ['exactly', 'includes', 'excludes'] as const) {
    const field = fields.get(key);
    const names = field && readNames(r, field);
    if (names) matcher[key] = names;
  }
  return matcher;
}

function readNames(r: Reader, v: Value): string[] | undefined {
  const items = r.items(v, 'a list of capability names such as CAP_NET_RAW');
  if (!items) return undefined;
  return items.map((item) => {
    const name = r.string(item, 'a capability name such as CAP_NET_RAW');
    if (name === undefined || (CAPABILITY_NAMES as readonly string[]).includes(name)) return name ?? '';
    const near = nearest(name, CAPABILITY_NAMES) ?? nearest(`CAP_${name}`, CAPABILITY_NAMES);
    r.fail(item.at, item.path, `unknown capability "${name}"${near ? `; did you mean ${near}?` : ''}`);
    return '';
  });
}
