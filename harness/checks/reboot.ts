// `reboot:` — the guest reboots (by `systemctl reboot`, or the command given), the harness
// waits until it answers over SSH in its new boot and that boot has settled, and later
// steps run there. The runner does the work (CheckContext.reboot); this step reports it.
import { isScalar } from 'yaml';
import type { StepBase } from '../scenario/types.js';
import { defaultName } from '../scenario/read-values.js';
import type { StepInput, StepKind } from './kind.js';
import { observing, verdict, type CheckContext, type CheckResult, type Rebooted } from './context.js';

export interface RebootStep extends StepBase {
  kind: 'reboot';
  /** The shell command that asks the guest to reboot; unset: the runner's default. */
  command?: string;
}

export const rebootKind: StepKind<RebootStep> = {
  name: 'reboot',
  read: readRebootStep,
  check: checkReboot,
  // Nothing after a reboot that did not happen is where its steps think it is; and `within`
  // bounds the reboot instead of retrying it.
  gating: true,
  schema: {
    subject: {
      description:
        'reboot the guest (nothing: by `systemctl reboot`; or the shell command that asks for it), wait until it answers over SSH and its boot has settled; later steps run in the new boot',
      anyOf: [{ type: 'null' }, { type: 'string', pattern: '\\S' }],
    },
  },
};

export async function checkReboot(step: RebootStep, ctx: CheckContext): Promise<CheckResult> {
  const seen = await ctx.reboot({ command: step.command, timeoutMs: step.withinMs });
  // The ids go into the output, not the record: they differ on every run, and the record
  // is what `harness compare` diffs.
  return observing(verdict([], describe(seen)), { bootId: 'changed', systemState: seen.systemState });
}

function describe(seen: Rebooted): string {
  return [
    `$ ${seen.command}`,
    `boot id before: ${seen.bootIdBefore}`,
    `boot id after:  ${seen.bootIdAfter}`,
    `reset ${seen.downMs} ms after asking; answered over SSH ${seen.answeredMs} ms later; settled (${seen.systemState}) ${seen.settledMs} ms after that`,
  ].join('\n');
}

function readRebootStep({ r, subject, base }: StepInput): RebootStep | undefined {
  if (isScalar(subject.node) && subject.node.value === null) return { kind: 'reboot', ...base('reboot') };
  const command = r.nonEmptyString(subject, 'nothing (`reboot:`) or the shell command that asks the guest to reboot');
  if (command === undefined) return undefined;
  return { kind: 'reboot', ...base(defaultName('reboot', command)), command };
}
