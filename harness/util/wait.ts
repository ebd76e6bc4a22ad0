// The one way the harness waits for something: ask again until it holds, the bound runs
// out, or the caller gives up. Built on p-retry, so the back-off is its, and every wait
// says what it waited for when it ends without it.
import pRetry, { AbortError } from 'p-retry';

/** A wait ran out of time; the message names what was awaited and the last answer. */
export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
  constructor(message: string, readonly last: string) {
    super(message);
  }
}

export interface WaitOptions {
  /** The bound on the whole wait. */
  timeoutMs: number;
  /** First pause between attempts; it grows by `factor` up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
  factor?: number;
  /** Ends the wait at once with the signal's reason (e.g. the VM was lost). */
  signal?: AbortSignal;
}

/** What a probe answers: the value once it holds, or why not yet. */
export type Probe<T> = { done: true; value: T } | { done: false; why: string };

export const holds = <T>(value: T): Probe<T> => ({ done: true, value });
export const notYet = (why: string): Probe<never> => ({ done: false, why });

class NotYet extends Error {}

/**
 * Calls `probe` until it answers done, and returns its value. A probe that throws
 * `giveUp(err)` ends the wait with err; any other throw counts as "not yet" (its message
 * is the reason), as a guest that is still booting refuses connections.
 */
export async function waitFor<T>(what: string, probe: () => Promise<Probe<T>>, options: WaitOptions): Promise<T> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 250;
  let last = 'no attempt finished';
  const attempt = async (): Promise<T> => {
    options.signal?.throwIfAborted();
    let answer: Probe<T>;
    try {
      answer = await probe();
    } catch (err) {
      if (err instanceof AbortError) throw err;
      answer = notYet((err as Error).message);
    }
    if (answer.done) return answer.value;
    last = answer.why;
    if (Date.now() >= deadline) throw new AbortError(timeout(what, options.timeoutMs, last));
    throw new NotYet(answer.why);
  };
  try {
    return await pRetry(attempt, {
      // A count that the deadline, not the number, ends: at least one attempt per interval.
      retries: Math.ceil(options.timeoutMs / Math.max(1, intervalMs)) + 1,
      minTimeout: intervalMs,
      maxTimeout: options.maxIntervalMs ?? Math.max(intervalMs, 1000),
      factor: options.factor ?? 1.5,
      randomize: false,
      signal: options.signal,
      shouldRetry: ({ error }) => error instanceof NotYet && Date.now() < deadline,
    });
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error(String(options.signal.reason));
    if (err instanceof NotYet) throw timeout(what, options.timeoutMs, last);
    throw err;
  }
}

/** Ends a wait from inside its probe: this error, not a timeout, is what the caller sees. */
export function giveUp(err: Error): never {
  throw new AbortError(err);
}

function timeout(what: string, timeoutMs: number, last: string): WaitTimeout {
  return new WaitTimeout(`${what}: not within ${formatWait(timeoutMs)} (last: ${last})`, last);
}

function formatWait(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

