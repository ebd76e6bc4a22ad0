// Who is at fault when something goes wrong: said once, by the error where it is raised
// (its `fault`), so that every consumer asks the same question of it: a step's outcome
// (failure or error), `--retries` (rerun or not) and `harness mutants` (a catch or not).

/**
 * - `host`: the host and QEMU, not the system under test: QEMU would not start or died, the
 *   host disk filled, the boot or the first SSH connection did not come in time, a snapshot
 *   would not restore. The run says nothing about the guest: an error, and the one kind
 *   `--retries` reruns.
 * - `guest`: the guest under test did it to itself: a kernel panic (PID 1's death is one),
 *   emergency mode, a shutdown nobody asked for, SSH gone under a step, a reboot or upgrade
 *   it did not come back from. A result about the system under test: a failure, never rerun.
 * - `harness`: the test side: what the scenario asks cannot be done as written (a step that
 *   cannot be judged, a value never saved, setup the guest refuses), a limit of the
 *   harness's own ran out, or the harness itself went wrong. An error a rerun would repeat.
 */
export type Fault = 'host' | 'guest' | 'harness';

const FAULTS: readonly unknown[] = ['host', 'guest', 'harness'] satisfies Fault[];

/** The fault an error says it is; one that says none (a bug, a library's error) is the harness's. */
export function faultOf(err: unknown): Fault {
  const said = typeof err === 'object' && err !== null ? (err as { fault?: unknown }).fault : undefined;
  return FAULTS.includes(said) ? (said as Fault) : 'harness';
}

/** An error that says who is at fault; the base of the harness's own. */
export class FaultError extends Error {
  constructor(message: string, readonly fault: Fault, options?: ErrorOptions) {
    super(message, options);
  }
}

/** `work`, whatever goes wrong in it told by `tell` (a reboot's or an upgrade's trouble is
 *  the guest's), but for the host's: QEMU dying meanwhile stays the story it is. */
export async function unlessTheHosts<T>(work: Promise<T>, tell: (err: unknown) => Error): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw faultOf(err) === 'host' ? err : tell(err);
  }
}

/** Only what is not the guest's doing, nor the test side's, is worth running again. */
export function retryable(fault: Fault): boolean {
  return fault === 'host';
}

/** What the guest did is a result about it: a failure. Anything else is an error. */
export function outcomeOf(fault: Fault): 'failed' | 'error' {
  return fault === 'guest' ? 'failed' : 'error';
}
