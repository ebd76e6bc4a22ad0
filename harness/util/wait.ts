// The one way the harness waits for something: ask again until it holds, the bound runs
// out, or the caller gives up. Built on p-retry, so the back-off is its, and every wait
// says what it waited for when it ends without it. The bound is a promise kept: each
// attempt races the time left and the caller's signal, so a probe that hangs (a socket
// that accepts and never answers) ends the wait at its deadline, not never; and p-retry's
// own `maxRetryTime` cuts the pause before the last attempt to the time left.
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

/** Handed to each attempt: aborted when the wait no longer wants its answer (the deadline
 *  passed or the caller gave up), so the probe can let go of what it holds (a socket). */
export interface Attempt {
  signal: AbortSignal;
}

export const holds = <T>(value: T): Probe<T> => ({ done: true, value });
export const notYet = (why: string): Probe<never> => ({ done: false, why });

class NotYet extends Error {}

/** An attempt was still unanswered when the time ran out. */
const HUNG = Symbol('hung');

/**
 * Calls `probe` until it answers done, and returns its value. A probe that throws
 * `giveUp(err)` ends the wait with err; any other throw counts as "not yet" (its message
 * is the reason), as a guest that is still booting refuses connections. The wait ends by
 * `timeoutMs` whatever the probe does; an answer that comes later is not waited for.
 */
export async function waitFor<T>(what: string, probe: (attempt: Attempt) => Promise<Probe<T>>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 250;
  let last = 'no attempt finished';
  const attempt = async (): Promise<T> => {
    options.signal?.throwIfAborted();
    let answer: Probe<T> | typeof HUNG;
    try {
      answer = await race(probe, deadline - Date.now(), options.signal);
    } catch (err) {
      if (err instanceof AbortError || options.signal?.aborted) throw err;
      answer = notYet((err as Error).message);
    }
    if (answer === HUNG) throw new AbortError(timeout(what, options.timeoutMs, `${last}; then an attempt had no answer by the deadline`));
    if (answer.done) return answer.value;
    last = answer.why;
    if (Date.now() >= deadline) throw new AbortError(timeout(what, options.timeoutMs, last));
    throw new NotYet(answer.why);
  };
  try {
    return await pRetry(attempt, {
      // the deadline, not a count, ends the wait
      retries: Number.POSITIVE_INFINITY,
      maxRetryTime: options.timeoutMs,
      minTimeout: intervalMs,
      maxTimeout: options.maxIntervalMs ?? Math.max(intervalMs, 1000),
      factor: options.factor ?? 1.5,
      randomize: false,
      signal: options.signal,
      shouldRetry: ({ error }) => error instanceof NotYet,
    });
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error(String(options.signal.reason));
    if (err instanceof NotYet) throw timeout(what, options.timeoutMs, last);
    throw err;
  }
}

/** One attempt against the time left and the caller's signal. The attempt's own signal is
 *  aborted when it loses either race, and a late answer or failure is dropped quietly. */
async function race<T>(probe: (attempt: Attempt) => Promise<Probe<T>>, leftMs: number, outer?: AbortSignal): Promise<Probe<T> | typeof HUNG> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let answered = false;
  const running = Promise.resolve()
    .then(() => probe({ signal: controller.signal }))
    .then((answer) => ((answered = true), answer));
  running.catch(() => {});
  try {
    return await Promise.race([
      running,
      new Promise<typeof HUNG>((resolve) => {
        timer = setTimeout(() => resolve(HUNG), Math.max(0, leftMs));
      }),
      new Promise<never>((_, reject) => {
        if (!outer) return;
        onAbort = () => reject(outer.reason instanceof Error ? outer.reason : new Error(String(outer.reason)));
        if (outer.aborted) onAbort();
        else outer.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) outer?.removeEventListener('abort', onAbort);
    // an attempt that lost the race may let go of what it holds: no one will read its answer
    if (!answered) controller.abort(new Error('the wait no longer needs this attempt'));
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
