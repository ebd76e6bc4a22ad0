// `pam:` — one PAM operation for a service and user, carried out by pamtester in the guest.
import { shellQuote } from '../util/quote.js';
import type { StepBase } from '../scenario/types.js';
import { requireExpect } from '../scenario/read-values.js';
import type { StepInput, StepKind } from './kind.js';
import { CheckError, observing, transcript, verdict, type CheckContext, type CheckResult } from './context.js';

const PAM_OPS = ['auth', 'acct_mgmt', 'open_session'] as const;
const PAM_OUTCOMES = ['success', 'failure'] as const;
type PamOp = (typeof PAM_OPS)[number];
type PamOutcome = (typeof PAM_OUTCOMES)[number];

export interface PamStep extends StepBase {
  kind: 'pam';
  /** The PAM service: a file under /etc/pam.d. */
  service: string;
  user: string;
  op: PamOp;
  expect: PamOutcome;
}

export const pamKind: StepKind<PamStep> = {
  name: 'pam',
  read: readPamStep,
  check: checkPam,
  scalarExpect: true,
  schema: {
    subject: {
      type: 'object',
      additionalProperties: false,
      required: ['service', 'user', 'op'],
      properties: {
        service: { type: 'string', pattern: '^[^/]*\\S[^/]*$', description: 'a file under /etc/pam.d; none there is an error, not the `other` stack' },
        user: { type: 'string', description: 'a user name', pattern: '\\S' },
        op: { enum: [...PAM_OPS] },
      },
    },
    expect: { enum: [...PAM_OUTCOMES] },
    expectRequired: true,
  },
};

// pamtester's names for the contract's operations
const PAMTESTER_OP: Record<PamStep['op'], string> = {
  auth: 'authenticate',
  acct_mgmt: 'acct_mgmt',
  open_session: 'open_session',
};

// Said on stderr by the step's own script when the service has no file under /etc/pam.d.
const NO_SERVICE_FILE = 'harness-pam: no such service file';

/** The step's script: the service's file must exist, then pamtester runs the operation. */
export function pamCommand(step: Pick<PamStep, 'service' | 'user' | 'op'>): string {
  const file = shellQuote(`/etc/pam.d/${step.service}`);
  return `[ -e ${file} ] || { echo '${NO_SERVICE_FILE}' >&2; exit 2; }; pamtester -v ${shellQuote(step.service)} ${shellQuote(step.user)} ${PAMTESTER_OP[step.op]}`;
}

/**
 * What a pamtester run answered: PAM's success or failure, and its last line. A step that
 * PAM never judged as written is a CheckError: without /etc/pam.d/SERVICE, libpam runs the
 * `other` stack (on Debian the common-* files), a stack the scenario never named; exit 126
 * or 127 is the shell saying pamtester could not be run, not PAM saying no.
 */
export function pamAnswer(step: Pick<PamStep, 'service'>, result: { exitCode: number; stdout: string; stderr: string }): { succeeded: boolean; said: string } {
  if (result.stderr.includes(NO_SERVICE_FILE)) {
    throw new CheckError(`the guest has no /etc/pam.d/${step.service}: PAM would judge by its \`other\` stack, which this step does not name (write the file under \`files:\`, or name an existing service)`);
  }
  const said = (result.stderr + result.stdout).trim().split('\n').filter(Boolean).pop() ?? '';
  if (result.exitCode === 126 || result.exitCode === 127) {
    throw new CheckError(`pamtester could not be run (exit ${result.exitCode}, ${result.exitCode === 127 ? 'not found' : 'not executable'}): the image needs the pamtester package for \`pam\` steps${said ? ` (the shell said: ${said})` : ''}`);
  }
  return { succeeded: result.exitCode === 0, said };
}

export async function checkPam(step: PamStep, ctx: CheckContext): Promise<CheckResult> {
  const command = pamCommand(step);
  // No password is typed: an auth stack that prompts sees an empty answer.
  const result = await ctx.guest.exec(command, { stdin: '\n', timeoutMs: ctx.commandTimeoutMs() });
  const { succeeded, said } = pamAnswer(step, result);
  const mismatches =
    succeeded === (step.expect === 'success')
      ? []
      : [`${step.op} for ${step.user} via /etc/pam.d/${step.service}: expected ${step.expect}, got ${succeeded ? 'success' : 'failure'} (PAM said: ${said})`];
  return observing(verdict(mismatches, transcript(command, result)), { result: succeeded ? 'success' : 'failure', said });
}

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
