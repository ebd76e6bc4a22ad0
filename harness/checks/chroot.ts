// `chroot:` — what a running service's root holds and what its own user may do there.
import { isSeq } from 'yaml';
import { shellQuote } from '../util/quote.js';
import { INSPECT_PY, MAX_NODES, parseInspection, probedPaths, type Inspection } from '../confinement/inspect.js';
import { serviceProcess } from '../confinement/process.js';
import { describeMismatch, matchList } from '../scenario/matchers.js';
import { ACCESS_LEVELS, type AccessLevel, type ChrootExpect, type ListMatcher, type StepBase } from '../scenario/types.js';
import type { Reader, Value } from '../scenario/read.js';
import { readListMatcher } from '../scenario/read-matchers.js';
import { readAbsolutePath } from '../scenario/read-values.js';
import { mapExpect, readServiceCheck, SERVICE_SUBJECT, type StepInput, type StepKind } from './kind.js';
import type { Observation } from '../report/observed.js';
import { NO_MAIN_PROCESS, observing, verdict, type CheckContext, type CheckResult } from './context.js';

const LISTED_NODES = 400;

export interface ChrootStep extends StepBase {
  kind: 'chroot';
  service: string;
  expect: ChrootExpect;
}

export const chrootKind: StepKind<ChrootStep> = {
  name: 'chroot',
  read: readChrootStep,
  check: checkChroot,
  schema: {
    subject: SERVICE_SUBJECT,
    expect: mapExpect({
      contains: { type: 'array', items: { $ref: '#/definitions/absPath' }, description: "paths that must exist inside the service's root" },
      absent: { type: 'array', items: { $ref: '#/definitions/absPath' }, description: 'paths that must not exist there' },
      entries: {
        anyOf: [{ $ref: '#/definitions/stringList' }, { $ref: '#/definitions/listMatcher' }],
        description: "the root's top-level entries; a bare list means exactly these",
      },
      access: {
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: '^(default$|/)' },
        additionalProperties: { enum: [...ACCESS_LEVELS] },
        description: "path → the most the service's user may do (none < readable < special < sticky < writable); `default` bounds the rest",
      },
    }),
    expectRequired: true,
  },
};

export async function checkChroot(step: ChrootStep, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(step.service);
  const process = await serviceProcess(ctx.guest, unit, ctx.commandTimeoutMs());
  if (!process) return observing(verdict([`${unit} has no running main process to look into`], `$ systemctl show -p MainPID ${unit}\n0`), NO_MAIN_PROCESS);
  const command = ['python3', '-', String(process.pid), ...probedPaths(step.expect)].map(shellQuote).join(' ');
  const inspection = parseInspection(await ctx.guest.succeed(command, { stdin: INSPECT_PY, timeoutMs: ctx.commandTimeoutMs() }));
  return observing(verdict(judgeChroot(step.expect, inspection), describeInspection(unit, inspection)), observeInspection(inspection));
}

/** Paths kept in the record; a root larger than this is cut, and the record says so. */
const OBSERVED_NODES = 2000;

/** The root's entries, each path's access level and the probed paths: no pid, and no ids,
 *  which DynamicUser may pick anew. */
export function observeInspection(seen: Inspection): Observation {
  const access: Record<string, string> = {};
  for (const node of seen.nodes.slice(0, OBSERVED_NODES)) access[node.path] = node.level;
  const probes: Record<string, string> = {};
  for (const [path, [exists, lexists]] of Object.entries(seen.probes)) probes[path] = exists ? 'exists' : lexists ? 'dangling symlink' : 'absent';
  const observed: Observation = { entries: seen.entries, access, probes };
  if (seen.truncated || seen.nodes.length > OBSERVED_NODES) observed.truncated = `first ${OBSERVED_NODES} of ${seen.nodes.length}${seen.truncated ? '+' : ''} paths`;
  return observed;
}

/** The root as the service's user sees it, for the report: one line per path. */
function describeInspection(unit: string, seen: Inspection): string {
  const lines = [
    `root of ${unit} (pid ${seen.pid}), judged as uid ${seen.uid} gid ${seen.gid}`,
    `entries: ${seen.entries.join(' ')}`,
    ...seen.nodes.slice(0, LISTED_NODES).map((n) => `${n.level.padEnd(9)} ${n.type.padEnd(9)} ${n.mode} ${String(n.uid).padStart(5)}:${String(n.gid).padEnd(5)} ${n.path}`),
  ];
  if (seen.nodes.length > LISTED_NODES) lines.push(`… ${seen.nodes.length - LISTED_NODES} more`);
  for (const [path, [exists, lexists]] of Object.entries(seen.probes)) lines.push(`probe ${path}: ${exists ? 'exists' : lexists ? 'dangling symlink' : 'absent'}`);
  return lines.join('\n');
}

/** Every way the inspected root differs from the expectation, one line each. */
export function judgeChroot(expect: ChrootExpect, seen: Inspection): string[] {
  const mismatches: string[] = [];
  const missing = (expect.contains ?? []).filter((path) => !seen.probes[path]?.[0]);
  if (missing.length) {
    const why = (path: string) => (seen.probes[path]?.[1] ? `${path} (a dangling symlink)` : path);
    mismatches.push(`contains: missing ${missing.map(why).join(', ')}`);
  }
  const present = (expect.absent ?? []).filter((path) => seen.probes[path]?.[1]);
  if (present.length) mismatches.push(`absent: present ${present.join(', ')}`);
  if (expect.entries) {
    const match = matchList(expect.entries, seen.entries);
    if (!match.ok) mismatches.push(describeMismatch('entries', match.expected, seen.entries.join(' ')));
  }
  if (expect.access) mismatches.push(...judgeAccess(expect.access, seen));
  if (seen.truncated) mismatches.push(`(the root holds more than ${MAX_NODES} paths; only the first ${MAX_NODES} were judged)`);
  return mismatches;
}

const SHOWN_OFFENDERS = 60;

function judgeAccess(access: Record<string, AccessLevel>, seen: Inspection): string[] {
  const bounds = Object.entries(access).filter(([path]) => path !== 'default');
  const fallback = access.default;
  const offenders: string[] = [];
  for (const node of seen.nodes) {
    const bound = boundFor(node.path, bounds) ?? fallback;
    if (bound === undefined || rank(node.level) <= rank(bound)) continue;
    offenders.push(`${node.path} is ${node.level}, at most ${bound} allowed (${node.type} ${node.mode}, uid ${node.uid}, gid ${node.gid})`);
  }
  const seenPaths = new Set(seen.nodes.map((node) => node.path));
  // As in checkperms.py: a level given for a path says that the path is there.
  const unseen = bounds.map(([path]) => path).filter((path) => !seenPaths.has(path));
  const lines: string[] = [];
  if (offenders.length) {
    const shown = offenders.slice(0, SHOWN_OFFENDERS);
    const more = offenders.length > shown.length ? ` … and ${offenders.length - shown.length} more` : '';
    lines.push(`access (as uid ${seen.uid}, gid ${seen.gid}): ${shown.join('; ')}${more}`);
  }
  if (unseen.length) lines.push(`access: listed but not in the root: ${unseen.join(', ')}`);
  return lines;
}

/** The level of the nearest listed path at or above `path`. */
export function boundFor(path: string, bounds: Array<[string, AccessLevel]>): AccessLevel | undefined {
  let best: [string, AccessLevel] | undefined;
  for (const [listed, level] of bounds) {
    const covers = listed === '/' || path === listed || path.startsWith(`${listed}/`);
    if (covers && (!best || listed.length > best[0].length)) best = [listed, level];
  }
  return best?.[1];
}

function rank(level: AccessLevel): number {
  return ACCESS_LEVELS.indexOf(level);
}

function readChrootStep(input: StepInput): ChrootStep | undefined {
  return readServiceCheck(input, 'chroot', '{contains: [/bin/sh], absent: [/etc]}', readChrootExpect);
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
