// Progress for a person watching a terminal or reading a CI log afterwards: one line per
// event, plain text unless a colour-capable terminal is on the other end.
import { countOutcomes, type Reporter, type RunSummary, type ScenarioInfo, type ScenarioResult, type StepResult } from './events.js';
import { terminalSafe } from './sanitize.js';

/** The little of a stream this reporter needs; process.stdout and any Writable fit. */
export interface TextSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ConsoleReporterOptions {
  stream?: TextSink;
  /** Overrides the guess made from the stream and NO_COLOR. */
  color?: boolean;
}

const ANSI = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33' } as const;

export class ConsoleReporter implements Reporter {
  private readonly stream: TextSink;
  private readonly color: boolean;
  /** The scenario the last printed line belonged to; workers interleave their steps. */
  private current: string | undefined;

  constructor(options: ConsoleReporterOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    // https://no-color.org: present and non-empty disables colour.
    this.color = options.color ?? (this.stream.isTTY === true && !process.env.NO_COLOR);
  }

  onScenarioBegin(scenario: ScenarioInfo): void {
    this.header(scenario, '');
  }

  onStepEnd(scenario: ScenarioInfo, step: StepResult): void {
    if (this.current !== keyOf(scenario)) this.header(scenario, ' (continued)');
    this.line(this.stepLine(step));
    if (step.outcome === 'failed' && step.message) this.line(indent(clean(step.message), '      '));
  }

  onScenarioEnd(result: ScenarioResult): void {
    const counts = countOutcomes(result.steps);
    const mark = counts.failed > 0 || counts.errors > 0 ? this.paint('red', '■') : this.paint('green', '■');
    this.line(`${mark} ${describe(result.info)}: ${formatCounts(counts)} in ${formatElapsed(result.durationMs)}`);
    this.current = undefined;
  }

  onRunEnd(_results: ScenarioResult[], summary: RunSummary): void {
    this.line('');
    this.line(this.paint('bold', summaryLine(summary)));
    if (summary.interrupted !== undefined) this.line(this.paint('yellow', `interrupted: ${clean(summary.interrupted)}`));
  }

  private header(scenario: ScenarioInfo, suffix: string): void {
    this.line(`${this.paint('bold', `▶ ${describe(scenario)}`)} — ${clean(scenario.file)}${suffix}`);
    this.current = keyOf(scenario);
  }

  private stepLine(step: StepResult): string {
    const name = clean(step.name);
    const reason = step.message ? clean(firstLine(step.message)) : '';
    switch (step.outcome) {
      case 'passed':
        return `  ${this.paint('green', '✔')} ${name}  ${this.paint('dim', `(${formatElapsed(step.durationMs)})`)}`;
      case 'failed':
        return `  ${this.paint('red', '✘')} ${name}  ${this.paint('dim', `(${formatElapsed(step.durationMs)})`)}`;
      case 'error':
        return `  ${this.paint('yellow', '!')} ${name} — error: ${reason}`;
      case 'skipped':
        return this.paint('dim', `  - ${name} — skipped: ${reason}`);
    }
  }

  private paint(style: keyof typeof ANSI, text: string): string {
    return this.color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;
  }

  private line(text: string): void {
    this.stream.write(text + '\n');
  }
}

/** "N passed, N failed, N errors, N skipped": every number always shown, so logs grep alike. */
export function formatCounts(c: { passed: number; failed: number; errors: number; skipped: number }): string {
  return `${c.passed} passed, ${c.failed} failed, ${c.errors} errors, ${c.skipped} skipped`;
}

/** The run's last line: the counts, the time, and the scenarios that passed only on a rerun
 *  (a green run that needed `--retries` says so). */
export function summaryLine(summary: RunSummary): string {
  const flaky = summary.flaky ? `; ${summary.flaky} scenario${summary.flaky === 1 ? '' : 's'} passed only on a retry` : '';
  return `${formatCounts(summary)} in ${formatElapsed(summary.durationMs)}${flaky}`;
}

/** 0.3s, 12.3s, 2m 5.0s. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Number.isFinite(ms) ? ms : 0) / 1000;
  if (total < 60) return `${total.toFixed(1)}s`;
  const minutes = Math.floor(total / 60);
  return `${minutes}m ${(total - minutes * 60).toFixed(1)}s`;
}

/** "name (image)"; a scenario run on several images already has the image in its name. */
function describe(scenario: ScenarioInfo): string {
  const name = clean(scenario.name);
  const image = clean(scenario.image);
  return name.includes(`(${image})`) ? name : `${name} (${image})`;
}

function keyOf(scenario: ScenarioInfo): string {
  return `${scenario.file}\u0000${scenario.image}\u0000${scenario.name}`;
}

/** Guest text may carry escape codes or carriage returns that would rewrite the log. */
function clean(text: string): string {
  return terminalSafe(text).replace(/\n+$/, '');
}

function firstLine(text: string): string {
  return text.trim().split('\n', 1)[0] ?? '';
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}
