// Fans every event out to several reporters, so the runner talks to exactly one. A
// reporter that throws must cost neither the others their events nor the run its
// scenarios: as Playwright's multiplexer does, each call is wrapped, a failure is logged
// and the next reporter is told. Only at the run's end, once every reporter has written
// what it writes (above all the JUnit file), are their failures rethrown: a report that
// could not be written is the run's error, not a line someone might miss.
import type { Reporter, RunSummary, ScenarioInfo, ScenarioResult, StepResult } from './events.js';

export class Multiplexer implements Reporter {
  /** Where a reporter's failure during the run is said; the CLI points it above the live view. */
  log: (line: string) => void;
  private readonly said = new Set<string>();

  constructor(readonly reporters: Reporter[], log?: (line: string) => void) {
    this.log = log ?? ((line) => process.stderr.write(line + '\n'));
  }

  onRunBegin(scenarios: ScenarioInfo[]): void {
    this.forEach('onRunBegin', (r) => r.onRunBegin?.(scenarios));
  }

  onScenarioBegin(scenario: ScenarioInfo): void {
    this.forEach('onScenarioBegin', (r) => r.onScenarioBegin?.(scenario));
  }

  onStepEnd(scenario: ScenarioInfo, step: StepResult): void {
    this.forEach('onStepEnd', (r) => r.onStepEnd?.(scenario, step));
  }

  onScenarioEnd(result: ScenarioResult): void {
    this.forEach('onScenarioEnd', (r) => r.onScenarioEnd?.(result));
  }

  /** One after another, in the order given, so their output does not interleave. */
  async onRunEnd(results: ScenarioResult[], summary: RunSummary): Promise<void> {
    const errors: unknown[] = [];
    for (const reporter of this.reporters) {
      try {
        await reporter.onRunEnd?.(results, summary);
      } catch (err) {
        errors.push(err);
      }
    }
    rethrow(errors);
  }

  /** Each reporter in turn; a throw (or a rejected promise, from a reporter that went
   *  async where the interface says void) is logged, never passed on. */
  private forEach(event: string, call: (reporter: Reporter) => unknown): void {
    for (const reporter of this.reporters) {
      try {
        const returned = call(reporter);
        if (returned instanceof Promise) returned.catch((err: unknown) => this.failed(reporter, event, err));
      } catch (err) {
        this.failed(reporter, event, err);
      }
    }
  }

  /** Said once per reporter, event and message: a reporter broken for good would otherwise
   *  say so at every step. */
  private failed(reporter: Reporter, event: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const line = `reporter ${reporter.constructor?.name || 'reporter'} failed in ${event}: ${message} (the run goes on; other reporters are unaffected)`;
    if (this.said.has(line)) return;
    this.said.add(line);
    try {
      this.log(line);
    } catch {
      process.stderr.write(line + '\n');
    }
  }
}

/** The reporter the runner talks to: one that never throws from a per-event call. */
export function guarded(reporter: Reporter, log?: (line: string) => void): Multiplexer {
  return reporter instanceof Multiplexer ? reporter : new Multiplexer([reporter], log);
}

/** A single failure keeps its own type and message; several become one AggregateError. */
function rethrow(errors: unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const messages = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    throw new AggregateError(errors, `${errors.length} reporters failed: ${messages.join('; ')}`);
  }
}
