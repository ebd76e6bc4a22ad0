// The comparison as one self-contained HTML page: the lists of what changed, then a grid
// of steps × images whose cells open to what the guest observed. No network and no
// external assets (a Content-Security-Policy forbids them), so the file can be archived as
// a CI artifact and opened anywhere. A pure renderer; all text is escaped here.
import { describeChange, describeObservation } from './diff.js';
import { html } from './escape.js';
import { whyHtml } from './render-why.js';
import type { Why } from './why.js';
import type { Cell, Comparison, StepRow } from './model.js';
import { ENVIRONMENT_TITLE, SECTION, describeEnvironment, describeTiming, headline, outcomeWord, partialScenarios, timingsNote } from './words.js';

export function renderCompareHtml(comparison: Comparison, why?: Why): string {
  const { columns } = comparison;
  const ids = new Map<StepRow, number>();
  comparison.scenarios.flatMap((s) => s.steps).forEach((row, i) => ids.set(row, i));
  const cellId = (row: StepRow, column: number) => `cell-${ids.get(row)}-${column}`;
  const firstChanged = (row: StepRow) => Math.max(0, row.cells.findIndex((c) => c?.changed));

  const title = `harness compare: ${columns.map((c) => c.label).join(' · ')}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>harness compare</h1>
<ol class="columns">${columns.map((c) => `<li>${html(c.label)}${c.source ? ` <span class="source">${html(c.source)}</span>` : ''}</li>`).join('')}</ol>
${comparison.environment.length ? `<p>${ENVIRONMENT_TITLE}:</p>${list(comparison.environment.map((row) => html(describeEnvironment(row))))}` : ''}
<p class="headline">${html(headline(comparison))}</p>
${partialScenarios(comparison).map((note) => `<p class="note">Not everywhere: ${html(note)}</p>`).join('\n')}
<section id="outcome-changes"><h2>${SECTION.outcomes} (${comparison.outcomeChanges.length})</h2>
${list(comparison.outcomeChanges.map((row) => `<a href="#${cellId(row, firstChanged(row))}">${rowTitle(row)}</a>: ${row.cells.map((cell, i) => `${html(columns[i].label)} <span class="o-${outcomeClass(cell)}">${html(outcomeWord(cell))}</span>`).join(' → ')}`))}
</section>
<section id="observation-changes"><h2>${SECTION.observations} (${comparison.observationChanges.length})</h2>
${list(comparison.observationChanges.map((row) => `<a href="#${cellId(row, firstChanged(row))}">${rowTitle(row)}</a>: ${row.observationChanges.map((pair) => pair.changes.length).reduce((a, b) => a + b, 0)} change(s)`))}
</section>
<section id="timings"><h2>${SECTION.timings}</h2><p class="note">${html(timingsNote())}</p>
${list(comparison.timingChanges.map((change) => `${html(change.scenario)}: ${html(describeTiming(change, columns))}`))}
</section>
${why ? whyHtml(why) : ''}
<h2>Every step</h2>
<label class="filter"><input type="checkbox" id="only-changed"> only steps that changed</label>
<table class="grid">
<thead><tr><th scope="col">step</th>${columns.map((c) => `<th scope="col">${html(c.label)}</th>`).join('')}</tr></thead>
${comparison.scenarios
  .map((scenario) => {
    const changed = scenario.steps.some((row) => row.cells.some((cell) => cell?.changed));
    const rows = scenario.steps.map((row) => {
      const rowChanged = row.cells.some((cell) => cell?.changed);
      const cells = row.cells.map((cell, i) => cellHtml(row, cell, i, cellId(row, i), comparison)).join('');
      return `<tr class="step ${rowChanged ? 'changed' : 'same'}"><th scope="row">${html(row.name)} <span class="kind">${html(row.kind)}</span></th>${cells}</tr>`;
    });
    return `<tbody class="${changed ? 'changed' : 'same'}">\n<tr class="scenario"><th colspan="${columns.length + 1}">${html(scenario.name)}</th></tr>\n${rows.join('\n')}\n</tbody>`;
  })
  .join('\n')}
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function cellHtml(row: StepRow, cell: Cell | undefined, column: number, id: string, comparison: Comparison): string {
  if (!cell) return `<td class="cell o-none" id="${id}">not run</td>`;
  const parts: string[] = [];
  if (cell.message) parts.push(`<p class="message">${html(cell.message)}</p>`);
  const pair = row.observationChanges.find((p) => p.to === column);
  if (pair) {
    parts.push(`<h4>changed since ${html(comparison.columns[pair.from].label)}</h4>`, `<ul class="diff">${pair.changes.map((c) => `<li>${html(describeChange(c, 400))}</li>`).join('')}</ul>`);
  }
  parts.push(cell.observed ? `<h4>observed</h4><pre>${html(describeObservation(cell.observed).join('\n'))}</pre>` : '<p class="note">nothing observed</p>');
  const changed = cell.changed ? ' changed' : '';
  const badge = cell.changed ? ' <span class="badge">changed</span>' : '';
  return `<td class="cell o-${outcomeClass(cell)}${changed}" id="${id}" data-outcome="${cell.outcome}"><details><summary>${html(outcomeWord(cell))}${badge}</summary>${parts.join('')}</details></td>`;
}

function rowTitle(row: StepRow): string {
  return `${html(row.scenario)} › ${html(row.name)}`;
}

function list(items: string[]): string {
  return items.length ? `<ul>${items.map((item) => `<li>${item}</li>`).join('\n')}</ul>` : '<p class="none">None.</p>';
}

function outcomeClass(cell: Cell | undefined): string {
  return cell ? cell.outcome : 'none';
}

// A link to a cell (from the lists above the grid, or shared) opens what it observed.
const SCRIPT = `
function openLinkedCell() {
  var id = decodeURIComponent(location.hash.slice(1));
  var cell = id && document.getElementById(id);
  var details = cell && cell.querySelector('details');
  if (details) details.open = true;
}
window.addEventListener('hashchange', openLinkedCell);
openLinkedCell();
`;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1f24; }
h1 { margin: 0 0 .3em; } h2 { margin: 1.2em 0 .4em; font-size: 1.15em; } h4 { margin: .5em 0 .2em; font-size: .9em; }
.columns { margin: 0 0 .5em; } .source, .kind, .note { color: #57606a; font-size: .85em; }
.headline { font-weight: 600; }
table.grid { border-collapse: collapse; margin-top: .5em; }
.grid th, .grid td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; text-align: left; }
.grid thead th { background: #f6f8fa; position: sticky; top: 0; }
.grid tr.scenario th { background: #eaeef2; font-weight: 600; }
.grid th[scope=row] { font-weight: normal; max-width: 28em; }
td.cell { min-width: 9em; max-width: 40em; }
td.o-passed summary { color: #1a7f37; } td.o-failed summary { color: #cf222e; font-weight: 600; }
td.o-error summary { color: #9a6700; font-weight: 600; } td.o-skipped summary, td.o-absent summary, td.o-none { color: #57606a; }
td.changed { background: #fff8c5; outline: 2px solid #d4a72c; outline-offset: -2px; }
.badge { background: #d4a72c; color: #fff; border-radius: 3px; padding: 0 4px; font-size: .75em; margin-left: .3em; }
summary { cursor: pointer; }
pre { max-height: 24em; overflow: auto; background: #f6f8fa; padding: 4px; margin: 0; font-size: 12px; }
ul.diff { margin: 0; padding-left: 1.2em; font-family: ui-monospace, monospace; font-size: 12px; }
.message { margin: .3em 0; color: #cf222e; white-space: pre-wrap; }
span.o-failed { color: #cf222e; } span.o-error { color: #9a6700; } span.o-passed { color: #1a7f37; }
#why blockquote { margin: .3em 0 .6em 1em; } #why pre { max-height: none; white-space: pre-wrap; } .where { color: #57606a; }
body:has(#only-changed:checked) .grid .same { display: none; }
`;

export { html };
