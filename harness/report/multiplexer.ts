// Fans every event out to several reporters, so the runner talks to exactly one. A
// reporter that throws must not cost the others their events: above all the JUnit file
// must still be written when the console breaks, so errors are collected and rethrown
// once everyone has been told.
import type { Reporter, RunSummary, ScenarioInfo, ScenarioResult, StepResult } from './events.js';

export class Multiplexer implements Reporter {
  constructor(readonly reporters: Reporter[]) {}

  onRunBegin(scenarios: ScenarioInfo[]): void {
    this.forEach((r) => r.onRunBegin?.(scenarios));
  }

  onScenarioBegin(scenario: ScenarioInfo): void {
    this.forEach((r) => r.onScenarioBegin?.(scenario));
  }

  onStepEnd(scenario: ScenarioInfo, step: StepResult): void {
    this.forEach((r) => r.onStepEnd?.(scenario, step));
  }

  onScenarioEnd(result: ScenarioResult): void {
    this.forEach((r) => r.onScenarioEnd?.(result));
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

  private forEach(call: (reporter: Reporter) => void): void {
    const errors: unknown[] = [];
    for (const reporter of this.reporters) {
      try {
        call(reporter);
      } catch (err) {
        errors.push(err);
      }
    }
    rethrow(errors);
  }
}

/** A single failure keeps its own type and message; several become one AggregateError. */
function rethrow(errors: unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const messages = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    throw new AggregateError(errors, `${errors.length} reporters failed: ${messages.join('; ')}`);
  }
}
