// The comparison as GitHub-flavoured Markdown, for a CI job summary ($GITHUB_STEP_SUMMARY).
// A pure renderer. Guest text is escaped so it can neither open markup nor break a table.
import { describeChange } from './diff.js';
import { md } from './escape.js';
import { whyMarkdown } from './render-why.js';
import type { Why } from './why.js';
import type { Comparison, StepRow } from './model.js';
import { ENVIRONMENT_TITLE, SECTION, describeEnvironment, describeTiming, headline, outcomeWord, partialScenarios, timingsNote } from './words.js';

const SHOWN_CHANGES = 20;
const MARK: Record<string, string> = { passed: '✅', failed: '❌', error: '⚠️', skipped: '⏭️', 'no such step': '➖', 'not run': '➖' };

export function renderCompareMarkdown(comparison: Comparison, why?: Why): string {
  const { columns } = comparison;
  const out: string[] = ['## harness compare', '', '| # | image | systemd | report |', '| --- | --- | --- | --- |'];
  columns.forEach((c, i) => out.push(`| ${i + 1} | ${md(c.image)} | ${md(c.systemdVersion ?? '?')} | ${md(c.source ?? 'this run')} |`));
  if (comparison.environment.length) out.push('', `${ENVIRONMENT_TITLE}:`, '', ...comparison.environment.map((row) => `- ${md(describeEnvironment(row))}`));
  out.push('', `**${md(headline(comparison))}**`);
  for (const note of partialScenarios(comparison)) out.push('', `Not everywhere: ${md(note)}`);

  out.push('', `### ${SECTION.outcomes} (${comparison.outcomeChanges.length})`, '');
  if (comparison.outcomeChanges.length === 0) out.push('None.');
  else {
    out.push(`| scenario | step | ${columns.map((c) => md(c.label)).join(' | ')} |`, `| --- | --- |${' --- |'.repeat(columns.length)}`);
    for (const row of comparison.outcomeChanges) {
      const cells = row.cells.map((cell) => {
        const word = outcomeWord(cell);
        const text = `${MARK[word] ?? ''} ${word}`;
        return cell?.changed ? `**${text}**` : text;
      });
      out.push(`| ${md(row.scenario)} | ${md(row.name)} | ${cells.join(' | ')} |`);
    }
    for (const row of comparison.outcomeChanges) {
      const messages = row.cells.flatMap((cell, i) => (cell?.message ? [`  - ${md(columns[i].label)}: ${md(cell.message)}`] : []));
      const observed = observationItems(row, comparison);
      if (messages.length || observed.length) out.push('', `- **${md(row.scenario)} › ${md(row.name)}**`, ...messages, ...observed);
    }
  }

  out.push('', `### ${SECTION.observations} (${comparison.observationChanges.length})`, '');
  if (comparison.observationChanges.length === 0) out.push('None.');
  for (const row of comparison.observationChanges) {
    out.push(`- **${md(row.scenario)} › ${md(row.name)}** (${md(row.kind)}, ${row.cells.find(Boolean)?.outcome ?? ''} everywhere)`, ...observationItems(row, comparison));
  }

  out.push('', `### ${SECTION.timings}`, '', `_${timingsNote()}_`, '');
  if (comparison.timingChanges.length === 0) out.push('None.');
  for (const change of comparison.timingChanges) out.push(`- ${md(change.scenario)}: ${md(describeTiming(change, columns))}`);
  if (why) out.push(...whyMarkdown(why));
  return out.join('\n') + '\n';
}

function observationItems(row: StepRow, comparison: Comparison): string[] {
  const items: string[] = [];
  for (const pair of row.observationChanges) {
    items.push(`  - observed ${md(comparison.columns[pair.from].label)} → ${md(comparison.columns[pair.to].label)}:`);
    for (const change of pair.changes.slice(0, SHOWN_CHANGES)) items.push(`    - ${md(describeChange(change))}`);
    if (pair.changes.length > SHOWN_CHANGES) items.push(`    - … ${pair.changes.length - SHOWN_CHANGES} more`);
  }
  return items;
}

export { md };
