// Words every compare renderer shares, so text, Markdown and HTML say the same thing.
import type { Cell, Column, Comparison, TimingChange } from './model.js';

export const SECTION = {
  outcomes: 'Outcome changed',
  observations: 'Observed changed, same outcome',
  timings: 'Timings',
} as const;

export function outcomeWord(cell: Cell | undefined): string {
  if (!cell) return 'not run';
  return cell.outcome === 'absent' ? 'no such step' : cell.outcome;
}

export function headline(comparison: Comparison): string {
  const { comparedSteps, outcomeChanges, observationChanges, unchangedSteps, scenarios } = comparison;
  return (
    `${comparedSteps} step(s) compared in ${scenarios.length} scenario(s): ${outcomeChanges.length} outcome(s) changed, ` +
    `${observationChanges.length} observation(s) changed, ${unchangedSteps} unchanged (not listed)`
  );
}

export const ENVIRONMENT_TITLE = 'What ran differs in';

/** "systemd.full: a → b → c", a column without the property as "?". */
export function describeEnvironment(row: { name: string; values: Array<string | undefined> }): string {
  return `${row.name}: ${row.values.map((v) => v ?? '?').join(' → ')}`;
}

export function timingsNote(): string {
  return (
    'times that grew or shrank by ×1.5 and 2 s or more, against the image before; like with like: ' +
    'steps and setup apart from the guest\'s start, which is compared only between guests started the same way'
  );
}

const TIMING_WORDS: Record<TimingChange['what'], string> = {
  scenario: 'whole scenario',
  steps: 'steps and setup',
  'guest start': 'guest start',
  boot: 'boot to SSH',
};

export function describeTiming(change: TimingChange, columns: Column[]): string {
  const ratio = change.afterMs / change.beforeMs;
  return (
    `${TIMING_WORDS[change.what]}${change.origin ? ` (${change.origin})` : ''} ${formatSeconds(change.beforeMs)} → ${formatSeconds(change.afterMs)} ` +
    `(×${ratio.toFixed(2)}), ${columns[change.from].label} → ${columns[change.to].label}`
  );
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Scenarios that did not run on every column, as "NAME: only on a, b". */
export function partialScenarios(comparison: Comparison): string[] {
  return comparison.scenarios
    .filter((s) => s.ranOn.some((ran) => !ran))
    .map((s) => `${s.name}: only on ${comparison.columns.filter((_, i) => s.ranOn[i]).map((c) => c.label).join(', ')}`);
}
