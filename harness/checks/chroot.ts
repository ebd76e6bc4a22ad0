// `chroot:` — what a running service's root holds and what its own user may do there.
import { shellQuote } from '../guest/quote.js';
import { INSPECT_PY, judgeChroot, probedPaths, type Inspection } from '../confinement/inspect.js';
import { serviceProcess } from '../confinement/process.js';
import type { ChrootStep } from '../scenario/types.js';
import type { Observation } from '../report/observed.js';
import { NO_MAIN_PROCESS, observing, verdict, type CheckContext, type CheckResult } from './context.js';

const LISTED_NODES = 400;

export async function checkChroot(step: ChrootStep, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(step.service);
  const process = await serviceProcess(ctx.guest, unit, ctx.commandTimeoutMs());
  if (!process) return observing(verdict([`${unit} has no running main process to look into`], `$ systemctl show -p MainPID ${unit}\n0`), NO_MAIN_PROCESS);
  const command = ['python3', '-', String(process.pid), ...probedPaths(step.expect)].map(shellQuote).join(' ');
  const inspection = JSON.parse(await ctx.guest.succeed(command, { stdin: INSPECT_PY, timeoutMs: ctx.commandTimeoutMs() })) as Inspection;
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
