// The `list` reporter on a terminal: finished scenarios print as whole blocks (the plain
// log's lines, never interleaved), and below them a few redrawn lines show what runs
// where right now: which worker slot has which scenario on which image, at which step,
// for how long. log-update does the erase-and-redraw (it wraps to the terminal's width
// and counts the lines it must erase, which a hand-written version gets wrong on resize).
import { createLogUpdate } from 'log-update';
import { ConsoleReporter, formatElapsed, type TextSink } from './console.js';
import type { Reporter, RunSummary, ScenarioInfo, ScenarioResult, StepResult } from './events.js';
import { terminalSafe } from './sanitize.js';

export interface LiveStream extends TextSink {
  columns?: number;
  rows?: number;
}

export interface LiveListOptions {
  stream?: LiveStream;
  color?: boolean;
  /** Clock and redraw period, replaceable in tests. */
  now?: () => number;
  refreshMs?: number;
}

interface InFlight {
  slot: number;
  info: ScenarioInfo;
  startedAt: number;
  steps: StepResult[];
}

export class LiveListReporter implements Reporter {
  private readonly stream: LiveStream;
  private readonly log: ConsoleReporter;
  private readonly update: ReturnType<typeof createLogUpdate>;
  private readonly now: () => number;
  private readonly refreshMs: number;
  private readonly running = new Map<string, InFlight>();
  private total = 0;
  private done = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: LiveListOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.log = new ConsoleReporter({ stream: this.stream, color: options.color });
    // showCursor: log-update would otherwise hide the cursor through process.stderr.
    this.update = createLogUpdate(this.stream as NodeJS.WritableStream, { showCursor: true });
    this.now = options.now ?? Date.now;
    this.refreshMs = options.refreshMs ?? 1000;
  }

  onRunBegin(scenarios: ScenarioInfo[]): void {
    this.total = scenarios.length;
    this.timer = setInterval(() => this.redraw(), this.refreshMs);
    this.timer.unref();
    this.redraw();
  }

  onScenarioBegin(scenario: ScenarioInfo): void {
    this.running.set(keyOf(scenario), { slot: this.freeSlot(), info: scenario, startedAt: this.now(), steps: [] });
    this.redraw();
  }

  onStepEnd(scenario: ScenarioInfo, step: StepResult): void {
    this.running.get(keyOf(scenario))?.steps.push(step);
    this.redraw();
  }

  /** The finished scenario's block goes above the live lines, in one piece. */
  onScenarioEnd(result: ScenarioResult): void {
    const flight = this.running.get(keyOf(result.info));
    this.running.delete(keyOf(result.info));
    this.done++;
    this.update.clear();
    this.log.onScenarioBegin(result.info);
    for (const step of flight?.steps ?? result.steps) this.log.onStepEnd(result.info, step);
    this.log.onScenarioEnd(result);
    this.redraw();
  }

  onRunEnd(results: ScenarioResult[], summary: RunSummary): void {
    if (this.timer) clearInterval(this.timer);
    this.update.clear();
    this.update.done();
    this.log.onRunEnd(results, summary);
  }

  /** A line of the run's own (accelerator, retries) above the live lines, not through them. */
  printAbove(line: string): void {
    this.update.clear();
    this.stream.write(`${terminalSafe(line)}\n`);
    this.redraw();
  }

  /** The lines below the log, as they would be drawn now. */
  statusLines(): string[] {
    if (this.running.size === 0) return [];
    const lines = [`running ${this.running.size}, ${this.done} of ${this.total} done`];
    const flights = [...this.running.values()].sort((a, b) => a.slot - b.slot);
    for (const f of flights) {
      const last = f.steps.at(-1);
      const where = last ? `step ${f.steps.length}/${f.info.stepCount} done: ${clean(last.name)}` : 'booting';
      lines.push(`  [${f.slot}] ${clean(f.info.name)} (${clean(f.info.image)})  ${where}  ${formatElapsed(this.now() - f.startedAt)}`);
    }
    return lines;
  }

  private redraw(): void {
    const lines = this.statusLines();
    if (lines.length === 0) this.update.clear();
    else this.update(lines.join('\n'));
  }

  /** Worker slots are not in the events; the lowest free number stands for one. */
  private freeSlot(): number {
    const taken = new Set([...this.running.values()].map((f) => f.slot));
    let slot = 1;
    while (taken.has(slot)) slot++;
    return slot;
  }
}

/** The runner may hand out equal but distinct info objects (a retry is a new attempt). */
function keyOf(scenario: ScenarioInfo): string {
  return `${scenario.file}\u0000${scenario.image}\u0000${scenario.name}`;
}

function clean(text: string): string {
  return terminalSafe(text).replace(/\s*\n\s*/g, ' ');
}
