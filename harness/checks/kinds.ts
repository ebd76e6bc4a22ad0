// Every step kind the harness knows, once: the loader reads steps by this list, the runner
// checks them by it, and `npm run schema` writes the editors' schema from it. A new kind is
// a file beside this one that exports its StepKind (see kind.ts), and one line below.
import type { CheckContext, CheckResult } from './context.js';
import type { SomeStepKind, StepKind } from './kind.js';
import { chrootKind } from './chroot.js';
import { fileKind } from './file.js';
import { journalKind } from './journal.js';
import { pamKind } from './pam.js';
import { processKind } from './process.js';
import { rebootKind } from './reboot.js';
import { upgradeKind } from './upgrade.js';
import { runKind } from './run.js';
import { restartKind, startKind, stopKind } from './service.js';
import { unitKind } from './unit.js';
import { usernsKind } from './userns.js';
import { keyKind, typeKind } from './console.js';
import { screenKind } from './screen.js';

export const STEP_KINDS = [runKind, fileKind, startKind, stopKind, restartKind, unitKind, pamKind, chrootKind, processKind, usernsKind, journalKind, rebootKind, upgradeKind, typeKind, keyKind, screenKind] as const;

/** A step of any kind: the union of what the kinds above read. */
export type Step = (typeof STEP_KINDS)[number] extends infer K ? (K extends StepKind<infer S> ? S : never) : never;

const BY_NAME = new Map<string, SomeStepKind>(STEP_KINDS.map((kind) => [kind.name, kind]));

/** The kind a YAML key names, if it names one. */
export function stepKindNamed(name: string): SomeStepKind | undefined {
  return BY_NAME.get(name);
}

export function runCheck(step: Step, ctx: CheckContext): Promise<CheckResult> {
  return stepKindNamed(step.kind)!.check(step, ctx);
}

/** Steps whose failure leaves the scenario without the state its later steps assume. */
export function isGatingStep(step: Step): boolean {
  return stepKindNamed(step.kind)!.gating === true;
}
