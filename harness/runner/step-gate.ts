// Which of a scenario's steps run on an image, decided step by step from what the earlier
// ones did. Apart from the run loop, which needs a guest, so that the rules can be tested
// without one.
import { isGatingStep } from '../checks/kinds.js';
import type { Step } from '../load/scenario.js';
import { firstLine } from '../util/errors.js';
import { faultOf } from '../util/fault.js';
import { stepForVersions } from './condition.js';
import type { PackageVersions } from '../vm/image.js';

/**
 * The gate a scenario's steps pass one by one. A step whose `when:` does not hold on the
 * image is skipped on its own. Once the scenario could not start, a start/stop/restart has
 * failed or any step has errored, every later step is skipped with that reason: the guest
 * is no longer in the state those steps assume, and their failures would only be noise.
 */
export class StepGate {
  /** Set once later steps cannot run: the reason they are skipped. */
  private blocked?: string;

  /** Whether nothing more runs. */
  get closed(): boolean {
    return this.blocked !== undefined;
  }

  /** The step as it runs on its guest's `versions` (what `when:` reads: the image's, or
   *  those an `upgrade:` step installed), or why it is skipped. A `when:` that does not hold
   *  is the reason given even after the gate closed: the step was never for this image. */
  admit(step: Step, versions: PackageVersions): { step: Step } | { skip: string } {
    const forImage = stepForVersions(step, versions);
    if ('skip' in forImage || this.blocked === undefined) return forImage;
    return { skip: this.blocked };
  }

  /** The scenario has no ready, set-up guest: no step runs. */
  couldNotStart(err: unknown): void {
    this.blocked = `not run: the scenario could not start (${firstLine(err)})`;
  }

  /** A step was judged: a failed start/stop/restart leaves its service in no known state. */
  judged(step: Step, ok: boolean): void {
    if (!ok && isGatingStep(step)) this.blocked = `skipped: ${'service' in step ? `\`${step.kind}: ${step.service}\`` : `"${step.name}"`} failed`;
  }

  /** A step could not be carried out, or the guest did something to itself under it (a
   *  panic, SSH gone: a failure): its state is unknown from here on. */
  errored(step: Step, err: unknown): void {
    this.blocked = faultOf(err) === 'guest' ? `skipped: "${step.name}" failed: ${firstLine(err)}` : `skipped after an error in "${step.name}": ${firstLine(err)}`;
  }
}
