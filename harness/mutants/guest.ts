// Guest-side mutants: the suite runs under each overlay until a step about behaviour goes
// red. Only a green suite can judge: the same scenarios run once unmutated first, and a
// red there stops everything, since every mutant would then look caught.
import type { Reporter, ScenarioInfo, StepResult } from '../report/events.js';
import { applyOverlay } from '../load/overlay.js';
import type { Scenario } from '../load/scenario.js';
import { runScenarios, type RunOptions } from '../runner/run.js';
import type { GuestMutant } from './catalogue.js';
import type { Verdict } from './verdict.js';

/** Steps that only read settings back: a systemd that stops enforcing one still reports it. */
const READ_BACK_KINDS = new Set(['unit']);

export type BaseRun = Omit<RunOptions, 'scenarios' | 'reporter' | 'signal'>;

/** The first step that went red and counts as a catch, or the first error. */
class FirstRed implements Reporter {
  caught?: { by: string; message?: string };
  error?: { by: string; message?: string };
  readBack?: string;
  readonly stop = new AbortController();

  onStepEnd(scenario: ScenarioInfo, step: StepResult): void {
    const where = `${scenario.name} › ${step.name}`;
    if (step.outcome === 'failed' && READ_BACK_KINDS.has(step.kind)) this.readBack ??= where;
    else if (step.outcome === 'failed' && !this.caught) {
      this.caught = { by: where, message: step.message };
      this.stop.abort('the mutant is caught');
    } else if (step.outcome === 'error' && !this.error && !this.stop.signal.aborted) {
      this.error = { by: where, message: step.message };
    }
  }
}

/** Runs the scenarios unmutated; undefined when all passed, else what went red. */
export async function baseline(scenarios: Scenario[], base: BaseRun): Promise<string | undefined> {
  const watch = new FirstRed();
  const status = await runScenarios({ ...base, scenarios, reporter: watch });
  if (status === 0) return undefined;
  const red = watch.caught ?? watch.error;
  return red ? `${red.by}: ${red.message ?? ''}` : `the run ended with status ${status}`;
}

export async function runGuestMutant(mutant: GuestMutant, scenarios: Scenario[], base: BaseRun): Promise<Verdict> {
  const started = Date.now();
  const ordered = firstThese(scenarios, mutant.first).map((s) => applyOverlay(s, mutant.overlay));
  const watch = new FirstRed();
  await runScenarios({ ...base, scenarios: ordered, reporter: watch, signal: watch.stop.signal });
  const verdict = { name: mutant.overlay.name, side: 'guest' as const, durationMs: Date.now() - started };
  if (watch.caught) return { ...verdict, outcome: 'caught', ...watch.caught };
  if (watch.error) return { ...verdict, outcome: 'error', message: `${watch.error.by}: ${watch.error.message ?? ''}` };
  return { ...verdict, outcome: 'missed', ...(watch.readBack ? { message: `only a read-back went red: ${watch.readBack}` } : {}) };
}

/** The named scenarios first, in the order named; the rest as they were. */
export function firstThese(scenarios: Scenario[], names: string[]): Scenario[] {
  const rank = (s: Scenario) => {
    const i = names.indexOf(s.name);
    return i === -1 ? names.length : i;
  };
  return scenarios.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map(({ s }) => s);
}
