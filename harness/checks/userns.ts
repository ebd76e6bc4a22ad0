// `userns:` — whether a service has its own user namespace, and its uid/gid maps.
import { serviceProcess, squeezeMap } from '../confinement/process.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { UsernsStep } from '../scenario/types.js';
import { NO_MAIN_PROCESS, observing, verdict, type CheckContext, type CheckResult } from './context.js';

export async function checkUserns(step: UsernsStep, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(step.service);
  const process = await serviceProcess(ctx.guest, unit, ctx.commandTimeoutMs());
  if (!process) return observing(verdict([`${unit} has no running main process to look into`], `$ systemctl show -p MainPID ${unit}\n0`), NO_MAIN_PROCESS);
  const uidMap = squeezeMap(process.uidMap);
  const gidMap = squeezeMap(process.gidMap);
  const mismatches: string[] = [];
  const { expect } = step;
  if (expect.private !== undefined && expect.private !== process.privateUserns) {
    mismatches.push(`private: expected ${expect.private}, got ${process.privateUserns} (its user namespace is ${process.privateUserns ? 'not ' : ''}PID 1's)`);
  }
  for (const [what, matcher, actual] of [['uidMap', expect.uidMap, uidMap], ['gidMap', expect.gidMap, gidMap]] as const) {
    if (!matcher) continue;
    const match = matchText(matcher, actual);
    if (!match.ok) mismatches.push(describeMismatch(what, match.expected, actual));
  }
  const output = [`pid ${process.pid} of ${unit}: private user namespace: ${process.privateUserns}`, `uid_map:\n${uidMap}`, `gid_map:\n${gidMap}`].join('\n');
  return observing(verdict(mismatches, output), { private: process.privateUserns, uidMap, gidMap });
}
