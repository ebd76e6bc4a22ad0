// One entry point for every step kind: adding a kind is one file and one line here.
import type { Step } from '../scenario/types.js';
import type { CheckContext, CheckResult } from './context.js';
import { checkFile } from './file.js';
import { checkPam } from './pam.js';
import { checkRun } from './run.js';
import { checkServiceAction } from './service.js';
import { checkUnit } from './unit.js';
import { checkChroot } from './chroot.js';
import { checkJournal } from './journal.js';
import { checkUserns } from './userns.js';

export function runCheck(step: Step, ctx: CheckContext): Promise<CheckResult> {
  switch (step.kind) {
    case 'run':
      return checkRun(step, ctx);
    case 'file':
      return checkFile(step, ctx);
    case 'start':
    case 'stop':
    case 'restart':
      return checkServiceAction(step, ctx);
    case 'unit':
      return checkUnit(step, ctx);
    case 'pam':
      return checkPam(step, ctx);
    case 'chroot':
      return checkChroot(step, ctx);
    case 'userns':
      return checkUserns(step, ctx);
    case 'journal':
      return checkJournal(step, ctx);
  }
}

/** Steps whose failure leaves the scenario without the state its later steps assume. */
export function isGatingStep(step: Step): boolean {
  return step.kind === 'start' || step.kind === 'stop' || step.kind === 'restart';
}
