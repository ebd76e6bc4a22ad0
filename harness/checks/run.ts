// `run:` — a shell command in the guest, with its exit status and output matched.
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { RunStep, TextMatcher } from '../scenario/types.js';
import { transcript, verdict, type CheckContext, type CheckResult } from './context.js';

export async function checkRun(step: RunStep, ctx: CheckContext): Promise<CheckResult> {
  const result = await ctx.guest.exec(step.command, { user: step.user, timeoutMs: ctx.commandTimeoutMs() });
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
  return verdict(mismatches, transcript(step.command, result, step.user));
}
