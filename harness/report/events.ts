// What reporters consume. The runner emits these events in order; a reporter never
// calls back into the runner, so a new report format is one new file.
import type { Fault } from '../util/fault.js';
import type { Observation } from './observed.js';

export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

/** How many steps had each outcome ("errors" as JUnit and the summary line say it). */
export interface OutcomeCounts {
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
}

export function countOutcomes(steps: readonly { outcome: Outcome }[]): OutcomeCounts {
  const counts: OutcomeCounts = { passed: 0, failed: 0, errors: 0, skipped: 0 };
  for (const { outcome } of steps) counts[outcome === 'error' ? 'errors' : outcome]++;
  return counts;
}

/** A scenario all green in the end that needed more than one run (`--retries`: its
 *  testsuite's `attempts` property). */
export function passedOnRetry(result: Pick<ScenarioResult, 'steps' | 'properties'>): boolean {
  return Number(result.properties.attempts ?? 1) > 1 && result.steps.every((s) => s.outcome === 'passed' || s.outcome === 'skipped');
}

export interface StepResult {
  /** The testcase name. */
  name: string;
  /** The step kind (run, file, start, …): used as part of the JUnit classname. */
  kind: string;
  outcome: Outcome;
  /** Who is at fault, for a failed step (the guest, always) or an error (the host or the
   *  harness): what `--retries` and `harness mutants` ask. */
  fault?: Fault;
  durationMs: number;
  /** One line: for a failure, what was expected and what the guest answered;
   *  for an error, what could not be done; for a skip, why. */
  message?: string;
  /** Longer text for the failure/error body (e.g. a full diff or the last serial lines). */
  details?: string;
  /** What the step printed (command, stdout, stderr), for system-out. */
  output?: string;
  /** What the guest showed, normalised for comparing runs (see observed.ts). */
  observed?: Observation;
  /** Files worth looking at, relative to the report's folder or absolute. */
  attachments?: string[];
  /** Where the step was written, "file:line:col". */
  location: string;
  /** This step in earlier runs of its scenario (`--retries`), oldest first. */
  earlierAttempts?: Attempt[];
}

/** One earlier run of a step, kept so a report can show a retry the Surefire way, with its
 *  own evidence (each attempt keeps its artifacts in a folder of its own). */
export type Attempt = Pick<StepResult, 'outcome' | 'fault' | 'message' | 'details' | 'output' | 'durationMs' | 'attachments'>;

export interface ScenarioInfo {
  /** The testsuite name: the scenario's name, plus the image when it runs on several. */
  name: string;
  file: string;
  image: string;
  stepCount: number;
}

export interface ScenarioResult {
  info: ScenarioInfo;
  steps: StepResult[];
  durationMs: number;
  startedAt: Date;
  /** image, accel, qemu version, systemd version, kernel, boot time, … */
  properties: Record<string, string>;
  /** Output not tied to one step: e.g. the boot's serial log tail on an error. */
  output?: string;
}

export interface RunSummary {
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  /** Scenarios that passed only on a rerun (`--retries`, after an error of the host's). */
  flaky?: number;
  durationMs: number;
  /** Set when the run was cut short (signal, fatal error): the reason. */
  interrupted?: string;
}

export interface Reporter {
  onRunBegin?(scenarios: ScenarioInfo[]): void;
  onScenarioBegin?(scenario: ScenarioInfo): void;
  onStepEnd?(scenario: ScenarioInfo, step: StepResult): void;
  onScenarioEnd?(result: ScenarioResult): void;
  /** Must be safe to call after an interruption with partial results; may be async. */
  onRunEnd?(results: ScenarioResult[], summary: RunSummary): void | Promise<void>;
}
