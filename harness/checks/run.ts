// `run:` — a shell command in the guest, with its exit status and output matched.
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { RunStep, TextMatcher } from '../scenario/types.js';
import { enterCommand, serviceProcess } from '../confinement/process.js';
import type { ExecResult } from '../guest/guest.js';
import { NO_MAIN_PROCESS, observing, transcript, verdict, type CheckContext, type CheckResult } from './context.js';
import { observedText } from './observe.js';

export async function checkRun(step: RunStep, ctx: CheckContext): Promise<CheckResult> {
  if (step.in !== undefined) return checkRunIn(step, step.in, ctx);
  const result = await ctx.guest.exec(step.command, { user: step.user, timeoutMs: ctx.commandTimeoutMs() });
  return judgeRun(step, result, transcript(step.command, result, step.user));
}

/** `run … in: SERVICE`: inside the running service, with the chroot's own /bin/sh. */
async function checkRunIn(step: RunStep, service: string, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(service);
  const process = await serviceProcess(ctx.guest, unit, ctx.commandTimeoutMs());
  if (!process) return observing(verdict([`${unit} has no running main process to run in`], `$ systemctl show -p MainPID ${unit}\n0`), NO_MAIN_PROCESS);
  const result = await ctx.guest.exec(enterCommand(process, step.command), { timeoutMs: ctx.commandTimeoutMs() });
  return judgeRun(step, result, transcript(step.command, result, `uid ${process.uid} gid ${process.gid} in ${unit}`));
}

export function judgeRun(step: RunStep, result: ExecResult, output: string): CheckResult {
  const mismatches: string[] = [];
  if (result.exitCode !== step.expect.exit) {
    const said = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    mismatches.push(`exit: expected ${step.expect.exit}, got ${result.exitCode}${said ? ` (${said.slice(0, 200)})` : ''}`);
  }
  const streams: [string, TextMatcher | undefined, string][] = [
    ['stdout', step.expect.stdout, result.stdout],
    ['stderr', step.expect.stderr, result.stderr],
  ];
  for (const [what, matcher, actual] of streams) {
    if (!matcher) continue;
    const match = matchText(matcher, actual);
    if (!match.ok) mismatches.push(describeMismatch(what, match.expected, actual));
  }
  return observing(verdict(mismatches, output), {
    exit: result.exitCode,
    stdout: observedText(result.stdout),
    stderr: observedText(result.stderr),
  });
}
