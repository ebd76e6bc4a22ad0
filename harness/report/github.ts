// GitHub Actions workflow commands: each failed or errored step becomes an annotation on
// the scenario file at the step's line, so the pull request shows it where it is written.
// Format and escaping as actions/toolkit's command.ts has them:
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
import type { Reporter, RunSummary, ScenarioInfo, ScenarioResult, StepResult } from './events.js';
import type { TextSink } from './console.js';
import { parseLocation, relativeToCwd } from './location.js';
import { stripAnsi } from './sanitize.js';

export interface GitHubReporterOptions {
  stream?: TextSink;
  /** Paths in annotations are relative to this (the checkout, where the job runs). */
  cwd?: string;
}

type Level = 'error' | 'warning' | 'notice';

export class GitHubReporter implements Reporter {
  private readonly stream: TextSink;
  private readonly cwd: string;

  constructor(options: GitHubReporterOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.cwd = options.cwd ?? process.cwd();
  }

  onStepEnd(scenario: ScenarioInfo, step: StepResult): void {
    const annotation = stepAnnotation(scenario, step, this.cwd);
    if (annotation) this.stream.write(annotation + '\n');
  }

  onRunEnd(_results: ScenarioResult[], summary: RunSummary): void {
    if (summary.interrupted !== undefined) {
      this.stream.write(workflowCommand('error', { title: 'harness run interrupted' }, summary.interrupted) + '\n');
    }
  }
}

/** The annotation for one step, or undefined when there is nothing to point at. */
export function stepAnnotation(scenario: ScenarioInfo, step: StepResult, cwd: string = process.cwd()): string | undefined {
  const level = levelOf(step);
  if (!level) return undefined;
  const place = parseLocation(step.location);
  const properties: Record<string, string | number | undefined> = {
    file: relativeToCwd(place.file, cwd),
    line: place.line,
    col: place.col,
    title: `${scenario.name} › ${step.name}${step.outcome === 'error' ? ' (infrastructure error)' : ''}`,
  };
  return workflowCommand(level, properties, annotationText(step));
}

function levelOf(step: StepResult): Level | undefined {
  if (step.outcome === 'failed' || step.outcome === 'error') return 'error';
  // Passed only on a rerun after an infrastructure error: worth a look, not a red build.
  const flaky = step.outcome === 'passed' && (step.earlierAttempts ?? []).some((a) => a.outcome === 'failed' || a.outcome === 'error');
  return flaky ? 'warning' : undefined;
}

function annotationText(step: StepResult): string {
  if (step.outcome === 'passed') return `passed after ${step.earlierAttempts!.length} earlier attempt(s) went wrong: ${step.earlierAttempts!.at(-1)?.message ?? ''}`;
  return step.details ?? step.message ?? step.outcome;
}

/** `::level key=value,…::message`, every part escaped as the runner expects. */
export function workflowCommand(level: Level, properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${level}${props ? ` ${props}` : ''}::${escapeData(stripAnsi(message))}`;
}

/** The runner splits a command at its line end: %, CR and LF are percent-encoded. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** In properties, `:` and `,` separate too, so they are encoded as well. */
export function escapeProperty(text: string): string {
  return escapeData(stripAnsi(text)).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
