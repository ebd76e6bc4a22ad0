// The comparison for a terminal or a CI log. A pure renderer: the comparison in, text out;
// every string that came from a guest or a report passes terminalSafe.
import { terminalSafe } from '../report/sanitize.js';
import { describeChange } from './diff.js';
import { whyText } from './render-why.js';
import type { Why } from './why.js';
import type { Comparison, StepRow } from './model.js';
import { ENVIRONMENT_TITLE, SECTION, describeEnvironment, describeTiming, headline, outcomeWord, partialScenarios, timingsNote } from './words.js';

/** Changed keys listed per pair of images before "… N more": the HTML page has them all. */
const SHOWN_CHANGES = 12;

export function renderCompareText(comparison: Comparison, why?: Why): string {
  const { columns } = comparison;
  const lines: string[] = [`Compared ${columns.length} runs:`];
  columns.forEach((column, i) => lines.push(`  [${i + 1}] ${safe(column.label)}${column.source && !column.label.includes(column.source) ? `  (${safe(column.source)})` : ''}`));
  if (comparison.environment.length) lines.push(`${ENVIRONMENT_TITLE}:`, ...comparison.environment.map((row) => `  ${safe(describeEnvironment(row))}`));
  lines.push(headline(comparison));
  for (const note of partialScenarios(comparison)) lines.push(`  not everywhere: ${safe(note)}`);

  lines.push('', `${SECTION.outcomes} (${comparison.outcomeChanges.length})`);
  if (comparison.outcomeChanges.length === 0) lines.push('  none');
  lines.push(...outcomeChangeLines(comparison));

  lines.push('', `${SECTION.observations} (${comparison.observationChanges.length})`);
  if (comparison.observationChanges.length === 0) lines.push('  none');
  for (const row of comparison.observationChanges) {
    const outcome = row.cells.find(Boolean)?.outcome ?? '';
    lines.push(`  ${title(row)}, ${outcome} everywhere`, ...observationLines(row, comparison, '    '));
  }

  lines.push('', `${SECTION.timings} (${timingsNote()})`);
  if (comparison.timingChanges.length === 0) lines.push('  none');
  for (const change of comparison.timingChanges) lines.push(`  ${safe(change.scenario)}: ${safe(describeTiming(change, columns))}`);
  if (why) lines.push(...whyText(why));
  return lines.join('\n') + '\n';
}

/** Each step whose outcome changed, with its outcome and message in every column: the text
 *  report's section, and what `compare --fail-on-change` says on stderr. */
export function outcomeChangeLines(comparison: Comparison): string[] {
  const lines: string[] = [];
  for (const row of comparison.outcomeChanges) {
    lines.push(`  ${title(row)}`);
    row.cells.forEach((cell, i) => {
      if (!cell) return;
      const word = cell.outcome === 'passed' ? 'passed' : outcomeWord(cell).toUpperCase();
      lines.push(`    ${safe(comparison.columns[i].label).padEnd(width(comparison))}  ${word}${cell.message ? `  ${oneLine(cell.message)}` : ''}`);
    });
    lines.push(...observationLines(row, comparison, '    '));
  }
  return lines;
}

function observationLines(row: StepRow, comparison: Comparison, indent: string): string[] {
  const lines: string[] = [];
  for (const pair of row.observationChanges) {
    lines.push(`${indent}observed ${safe(comparison.columns[pair.from].label)} → ${safe(comparison.columns[pair.to].label)}:`);
    for (const change of pair.changes.slice(0, SHOWN_CHANGES)) lines.push(`${indent}  ${safe(describeChange(change))}`);
    if (pair.changes.length > SHOWN_CHANGES) lines.push(`${indent}  … ${pair.changes.length - SHOWN_CHANGES} more`);
  }
  return lines;
}

function title(row: StepRow): string {
  return `${safe(row.scenario)} › ${safe(row.name)} (${row.kind})`;
}

function width(comparison: Comparison): number {
  return Math.max(...comparison.columns.map((c) => c.label.length));
}

function oneLine(text: string): string {
  const line = safe(text).replace(/\s*\n\s*/g, ' ⏎ ');
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function safe(text: string): string {
  return terminalSafe(text);
}
