// What bounds a scenario's work: its own timeout and the run's interruption as one promise
// (LimitWatch), and a step's `within:`, which retries the step until it holds.
import { runCheck, isGatingStep } from '../checks/kinds.js';
import type { CheckContext, CheckResult } from '../checks/context.js';
import type { Step } from '../load/scenario.js';
import { formatDuration } from '../scenario/duration.js';
import { FaultError } from '../util/fault.js';
import { giveUp, holds, notYet, waitFor, WaitTimeout } from '../util/wait.js';

/** An error raised by the harness's own limits or an interruption, not by the guest. */
export class LimitError extends FaultError {
  override name = 'LimitError';
  constructor(message: string) {
    super(message, 'harness');
  }
}

/** Runs one step; with `within`, again every `every` until it holds or time runs out. */
export async function runStep(step: Step, ctx: CheckContext): Promise<CheckResult> {
  // start/stop/restart use `within` as how long to wait for the unit to settle, not as a retry.
  if (!step.withinMs || isGatingStep(step)) return runCheck(step, ctx);
  let last: CheckResult | undefined;
  let attempts = 0;
  try {
    return await waitFor(
      `"${step.name}" to hold`,
      async () => {
        attempts++;
        try {
          last = await runCheck(step, ctx);
        } catch (err) {
          giveUp(err as Error); // a step that cannot be carried out is an error at once
        }
        return last.ok ? holds(last) : notYet(last.mismatches.join('; '));
      },
      { timeoutMs: step.withinMs, intervalMs: step.everyMs, maxIntervalMs: step.everyMs, factor: 1 },
    );
  } catch (err) {
    if (!(err instanceof WaitTimeout) || !last) throw err;
    last.mismatches.push(`(still not holding after ${attempts} attempts within ${step.withinMs} ms)`);
    return last;
  }
}

/** The scenario's own timeout and the run's interruption, as one promise that only rejects. */
export class LimitWatch {
  readonly expired: Promise<never>;
  private timer?: NodeJS.Timeout;
  private onAbort?: () => void;

  constructor(deadline: number, timeoutMs: number, private readonly signal: AbortSignal) {
    this.expired = new Promise<never>((_, reject) => {
      this.timer = setTimeout(
        () => reject(new LimitError(`the scenario exceeded its timeout of ${formatDuration(timeoutMs)}`)),
        Math.max(0, deadline - Date.now()),
      );
      this.onAbort = () => reject(new LimitError(`interrupted (${String(signal.reason ?? 'aborted')})`));
      if (signal.aborted) this.onAbort();
      else signal.addEventListener('abort', this.onAbort, { once: true });
    });
    this.expired.catch(() => {});
  }

  dispose(): void {
    clearTimeout(this.timer);
    if (this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
  }
}
