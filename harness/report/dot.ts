// One character per step, for long suites whose per-step lines would drown a log:
// `.` passed, `F` failed, `E` error, `-` skipped; then every problem spelt out once.
import type { Reporter, RunSummary, ScenarioInfo, ScenarioResult, StepResult } from './events.js';
import { summaryLine, type TextSink } from './console.js';
import { terminalSafe } from './sanitize.js';

export interface DotReporterOptions {
  stream?: TextSink;
  /** Characters per line before wrapping. */
  width?: number;
}

const MARK: Record<StepResult['outcome'], string> = { passed: '.', failed: 'F', error: 'E', skipped: '-' };

export class DotReporter implements Reporter {
  private readonly stream: TextSink;
  private readonly width: number;
  private column = 0;

  constructor(options: DotReporterOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.width = options.width ?? 80;
  }

  onStepEnd(_scenario: ScenarioInfo, step: StepResult): void {
    this.stream.write(MARK[step.outcome]);
    if (++this.column >= this.width) this.endLine();
  }

  onRunEnd(results: ScenarioResult[], summary: RunSummary): void {
    this.endLine();
    const problems = results.flatMap((r) => r.steps.filter((s) => s.outcome === 'failed' || s.outcome === 'error').map((s) => [r, s] as const));
    for (const [result, step] of problems) {
      const label = step.outcome === 'failed' ? 'failed' : 'error';
      this.stream.write(`\n${label}: ${clean(result.info.name)} › ${clean(step.name)}\n  at ${clean(step.location)}\n`);
      if (step.message) this.stream.write(indent(clean(step.message), '    ') + '\n');
    }
    this.stream.write(`\n${summaryLine(summary)}\n`);
    if (summary.interrupted !== undefined) this.stream.write(`interrupted: ${clean(summary.interrupted)}\n`);
  }

  private endLine(): void {
    if (this.column > 0) this.stream.write('\n');
    this.column = 0;
  }
}

function clean(text: string): string {
  return terminalSafe(text).replace(/\n+$/, '');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}
