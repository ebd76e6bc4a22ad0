// `userns:` — whether a service has its own user namespace, and its uid/gid maps.
import { serviceProcess, squeezeMap } from '../confinement/process.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { StepBase, TextMatcher } from '../scenario/types.js';
import type { Reader, Value } from '../scenario/read.js';
import { readTextMatcher } from '../scenario/read-matchers.js';
import { mapExpect, readServiceCheck, SERVICE_SUBJECT, type StepInput, type StepKind } from './kind.js';
import { NO_MAIN_PROCESS, observing, verdict, type CheckContext, type CheckResult } from './context.js';

export interface UsernsExpect {
  private?: boolean;
  /** Matched against /proc/PID/uid_map with each line's runs of blanks squeezed to one space. */
  uidMap?: TextMatcher;
  gidMap?: TextMatcher;
}

export interface UsernsStep extends StepBase {
  kind: 'userns';
  service: string;
  expect: UsernsExpect;
}

export const usernsKind: StepKind<UsernsStep> = {
  name: 'userns',
  read: readUsernsStep,
  check: checkUserns,
  schema: {
    subject: SERVICE_SUBJECT,
    expect: mapExpect({ private: { type: 'boolean' }, uidMap: { $ref: '#/definitions/textMatcher' }, gidMap: { $ref: '#/definitions/textMatcher' } }),
    expectRequired: true,
  },
};

export async function checkUserns(step: UsernsStep, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(step.service);
  const process = await serviceProcess(ctx.guest, unit, ctx.commandTimeoutMs());
  if (!process) return observing(verdict([`${unit} has no running main process to look into`], `$ systemctl show -p MainPID ${unit}\n0`), NO_MAIN_PROCESS);
  const uidMap = squeezeMap(process.uidMap);
  const gidMap = squeezeMap(process.gidMap);
  const mismatches = judgeUserns(step.expect, { private: process.privateUserns, uidMap, gidMap });
  const output = [`pid ${process.pid} of ${unit}: private user namespace: ${process.privateUserns}`, `uid_map:\n${uidMap}`, `gid_map:\n${gidMap}`].join('\n');
  return observing(verdict(mismatches, output), { private: process.privateUserns, uidMap, gidMap });
}

/** What differs between the expectation and what the service's process showed (maps squeezed). */
export function judgeUserns(expect: UsernsExpect, seen: { private: boolean; uidMap: string; gidMap: string }): string[] {
  const mismatches: string[] = [];
  if (expect.private !== undefined && expect.private !== seen.private) {
    mismatches.push(`private: expected ${expect.private}, got ${seen.private} (its user namespace is ${seen.private ? 'not ' : ''}PID 1's)`);
  }
  for (const [what, matcher, actual] of [['uidMap', expect.uidMap, seen.uidMap], ['gidMap', expect.gidMap, seen.gidMap]] as const) {
    if (!matcher) continue;
    const match = matchText(matcher, actual);
    if (!match.ok) mismatches.push(describeMismatch(what, match.expected, actual));
  }
  return mismatches;
}

function readUsernsStep(input: StepInput): UsernsStep | undefined {
  return readServiceCheck(input, 'userns', '{private: true}', readUsernsExpect);
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
