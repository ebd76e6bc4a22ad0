// Guest-side mutants: the suite runs under each overlay until a step about behaviour fails
// that passed in the unmutated baseline run (a confirmed catch, verdict.ts). The same
// scenarios run once unmutated first: each step's outcome there is what confirms a catch,
// and a step red there can catch nothing.
import type { Reporter, ScenarioInfo, StepResult } from '../report/events.js';
import { applyOverlay } from '../load/overlay.js';
import type { Scenario } from '../load/scenario.js';
import { runScenarios, type RunOptions } from '../runner/run.js';
import type { GuestMutant } from './catalogue.js';
import { guestVerdict, judgeStep, stepKey, type Baseline, type Verdict } from './verdict.js';

export type BaseRun = Omit<RunOptions, 'scenarios' | 'reporter' | 'signal'>;

/** What the unmutated suite did: each step's outcome, and the steps that were red. */
export interface BaselineRun {
  outcomes: Baseline;
  /** "scenario › step (FILE:LINE:COL): message", one a red step. */
  red: string[];
  /** How many steps passed: none, and nothing could confirm a catch. */
  passed: number;
  status: number;
}

/** Every step the run ends; with a baseline, it stops the run at the first confirmed catch. */
export class StepWatch implements Reporter {
  readonly seen: { scenario: string; step: StepResult }[] = [];
  readonly stop = new AbortController();

  constructor(private readonly baseline?: Baseline) {}

  onStepEnd(scenario: ScenarioInfo, step: StepResult): void {
    if (this.stop.signal.aborted) return; // the rest is what the stop cut short
    this.seen.push({ scenario: scenario.name, step });
    const judged = this.baseline && judgeStep(scenario.name, step, this.baseline);
    if (judged && 'catch' in judged) this.stop.abort('the mutant is caught');
  }
}

/** Runs the scenarios unmutated and keeps what each step did. */
export async function baseline(scenarios: Scenario[], base: BaseRun): Promise<BaselineRun> {
  const watch = new StepWatch();
  const status = await runScenarios({ ...base, scenarios, reporter: watch });
  const outcomes = new Map(watch.seen.map(({ scenario, step }) => [stepKey(scenario, step.location), step.outcome]));
  const red = watch.seen
    .filter(({ step }) => step.outcome === 'failed' || step.outcome === 'error')
    .map(({ scenario, step }) => `${scenario} › ${step.name} (${step.location}): ${step.message ?? step.outcome}`);
  return { outcomes, red, passed: watch.seen.filter(({ step }) => step.outcome === 'passed').length, status };
}

export async function runGuestMutant(mutant: GuestMutant, scenarios: Scenario[], base: BaseRun, unmutated: Baseline): Promise<Verdict> {
  const started = Date.now();
  const ordered = firstThese(scenarios, mutant.first).map((s) => applyOverlay(s, mutant.overlay));
  const watch = new StepWatch(unmutated);
  await runScenarios({ ...base, scenarios: ordered, reporter: watch, signal: watch.stop.signal });
  return guestVerdict(mutant.overlay.name, watch.seen, unmutated, Date.now() - started);
}

/** The named scenarios first, in the order named; the rest as they were. */
export function firstThese(scenarios: Scenario[], names: string[]): Scenario[] {
  const rank = (s: Scenario) => {
    const i = names.indexOf(s.name);
    return i === -1 ? names.length : i;
  };
  return scenarios.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map(({ s }) => s);
}
