// What became of one mutant, and the table and JUnit report of a whole catalogue run.
import type { RunSummary, ScenarioResult } from '../report/events.js';

export interface Verdict {
  name: string;
  side: 'guest' | 'harness';
  outcome: 'caught' | 'missed' | 'error';
  /** caught: where (scenario › step, or the test file); error: what went wrong. */
  by?: string;
  message?: string;
  durationMs: number;
}

export function renderTable(verdicts: Verdict[]): string {
  const rows = verdicts.map((v) => [v.side, v.name, v.outcome === 'caught' ? 'caught' : v.outcome.toUpperCase(), `${(v.durationMs / 1000).toFixed(0)} s`, describe(v)]);
  const header = ['side', 'mutant', 'verdict', 'time', 'first red step and its message'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i < 4 ? r[i].length : 0))));
  const line = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function score(verdicts: Verdict[], side?: Verdict['side']): string {
  const of = verdicts.filter((v) => !side || v.side === side);
  const caught = of.filter((v) => v.outcome === 'caught').length;
  const percent = of.length ? Math.floor((100 * caught) / of.length) : 100;
  return `${side ? `${side}-side: ` : ''}${caught} of ${of.length} caught (${percent} %)`;
}

function describe(v: Verdict): string {
  const message = v.message ? oneLine(v.message) : '';
  if (v.outcome === 'caught') return `${v.by ?? ''}${message ? `: ${message}` : ''}`;
  if (v.outcome === 'missed') return message || 'no step went red';
  return message;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 110 ? `${line.slice(0, 109)}…` : line;
}

/** One testsuite per side, one testcase per mutant: passed when caught. */
export function verdictResults(verdicts: Verdict[], catalogue: string): ScenarioResult[] {
  const sides = [...new Set(verdicts.map((v) => v.side))];
  return sides.map((side) => {
    const mine = verdicts.filter((v) => v.side === side);
    return {
      info: { name: `mutants (${side}-side)`, file: catalogue, image: '', stepCount: mine.length },
      steps: mine.map((v) => ({
        name: v.name,
        kind: 'mutant',
        location: catalogue,
        outcome: v.outcome === 'caught' ? ('passed' as const) : v.outcome === 'missed' ? ('failed' as const) : ('error' as const),
        durationMs: v.durationMs,
        message: v.outcome === 'missed' ? `MISSED: ${describe(v)}` : describe(v),
      })),
      durationMs: mine.reduce((n, v) => n + v.durationMs, 0),
      startedAt: new Date(),
      properties: { score: score(mine) },
    };
  });
}

export function verdictSummary(verdicts: Verdict[], durationMs: number): RunSummary {
  const count = (outcome: Verdict['outcome']) => verdicts.filter((v) => v.outcome === outcome).length;
  return { passed: count('caught'), failed: count('missed'), errors: count('error'), skipped: 0, durationMs };
}
