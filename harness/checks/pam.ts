// `pam:` — one PAM operation for a service and user, carried out by pamtester in the guest.
import { shellQuote } from '../guest/quote.js';
import type { PamStep } from '../scenario/types.js';
import { observing, transcript, verdict, type CheckContext, type CheckResult } from './context.js';

// pamtester's names for the contract's operations
const PAMTESTER_OP: Record<PamStep['op'], string> = {
  auth: 'authenticate',
  acct_mgmt: 'acct_mgmt',
  open_session: 'open_session',
};

export async function checkPam(step: PamStep, ctx: CheckContext): Promise<CheckResult> {
  const command = `pamtester -v ${shellQuote(step.service)} ${shellQuote(step.user)} ${PAMTESTER_OP[step.op]}`;
  // No password is typed: an auth stack that prompts sees an empty answer.
  const result = await ctx.guest.exec(command, { stdin: '\n', timeoutMs: ctx.commandTimeoutMs() });
  const succeeded = result.exitCode === 0;
  const said = (result.stderr + result.stdout).trim().split('\n').filter(Boolean).pop() ?? '';
  const mismatches =
    succeeded === (step.expect === 'success')
      ? []
      : [`${step.op} for ${step.user} via /etc/pam.d/${step.service}: expected ${step.expect}, got ${succeeded ? 'success' : 'failure'} (PAM said: ${said})`];
  return observing(verdict(mismatches, transcript(command, result)), { result: succeeded ? 'success' : 'failure', said });
}
