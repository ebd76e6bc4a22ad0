// At the end of a run over several images, the compare summary: what the scenarios
// showed differently from one image to the next, without a second command.
import type { Reporter, RunSummary, ScenarioResult } from '../report/events.js';
import { buildComparison, suitesFromResults } from './model.js';
import { renderCompareText } from './render-text.js';

export class CompareSummaryReporter implements Reporter {
  constructor(private readonly stream: { write(chunk: string): unknown } = process.stdout) {}

  onRunEnd(results: ScenarioResult[], _summary: RunSummary): void {
    // One image: nothing to compare, and a single-image run prints exactly what it did before.
    if (new Set(results.map((r) => r.info.image)).size < 2) return;
    this.stream.write(`\n${renderCompareText(buildComparison(suitesFromResults(results)))}`);
  }
}
