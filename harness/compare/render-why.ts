// The "why" of a comparison (why.ts) in each of compare's formats. Pure renderers; the
// paragraphs are the package's own text, escaped like any other text from outside.
import { terminalSafe } from '../report/sanitize.js';
import { html, md } from './escape.js';
import { SHOWN_CITATIONS, touchedSentence, unnamedSentence, type RowWhy, type Why } from './why.js';

export const WHY_TITLE = 'What the changelog says';

function heading(why: Why): string {
  return `systemd ${why.older} → ${why.newer}: ${why.changes.entries.length} Debian changelog entr${why.changes.entries.length === 1 ? 'y' : 'ies'}, ${why.changes.sections.length} NEWS section(s) between them`;
}

function where(row: RowWhy['cited']['citations'][number]): string {
  const p = row.paragraph;
  return p.source === 'changelog' ? `changelog.Debian ${p.version}${p.under ? ` [${p.under}]` : ''}` : `NEWS ${p.version}${p.under ? `, ${p.under}` : ''}`;
}

export function whyText(why: Why): string[] {
  const lines = ['', WHY_TITLE, `  ${terminalSafe(heading(why))}`];
  for (const row of why.rows) {
    lines.push(`  ${terminalSafe(row.scenario)} › ${terminalSafe(row.step)}`, `    touched: ${terminalSafe(touchedSentence(row.touched))}`);
    for (const c of row.cited.citations.slice(0, SHOWN_CITATIONS)) {
      lines.push(`    ${terminalSafe(where(c))} (names ${terminalSafe(c.names.join(', '))}):`, ...c.paragraph.text.split('\n').map((l) => `      ${terminalSafe(l)}`));
    }
    if (row.cited.citations.length > SHOWN_CITATIONS) lines.push(`    … ${row.cited.citations.length - SHOWN_CITATIONS} more paragraph(s) (the HTML report quotes them all)`);
    const unnamed = unnamedSentence(why, row);
    if (unnamed) lines.push(`    ${terminalSafe(unnamed)}`);
  }
  return lines;
}

export function whyMarkdown(why: Why): string[] {
  const out = ['', `### ${WHY_TITLE}`, '', md(heading(why))];
  for (const row of why.rows) {
    out.push('', `- **${md(row.scenario)} › ${md(row.step)}**: touched ${md(touchedSentence(row.touched))}`);
    for (const c of row.cited.citations.slice(0, SHOWN_CITATIONS)) out.push(`  - ${md(where(c))}, names ${c.names.map((n) => `\`${n.replace(/`/g, '')}\``).join(', ')}:`, '', ...quote(c.paragraph.text, '    '));
    const more = row.cited.citations.slice(SHOWN_CITATIONS);
    if (more.length) out.push(`  - … ${more.length} more paragraph(s) name them: ${md(more.map(where).join('; '))} (the HTML report quotes them all)`);
    const unnamed = unnamedSentence(why, row);
    if (unnamed) out.push(`  - _${md(unnamed)}_`);
  }
  out.push('', '<details><summary>The Debian changelog entries and NEWS sections between them</summary>', '', '```text', ...fullText(why).map((l) => l.replace(/```/g, "'''")), '```', '', '</details>');
  return out;
}

function quote(text: string, indent: string): string[] {
  return [...text.split('\n').map((line) => `${indent}> ${md(line)}`), ''];
}

export function whyHtml(why: Why): string {
  const rows = why.rows.map((row) => {
    const cited = row.cited.citations
      .map((c) => `<li><span class="where">${html(where(c))}</span>, names ${c.names.map((n) => `<code>${html(n)}</code>`).join(', ')}<blockquote><pre>${html(c.paragraph.text)}</pre></blockquote></li>`)
      .join('');
    const unnamed = unnamedSentence(why, row);
    return `<li><strong>${html(row.scenario)} › ${html(row.step)}</strong>: touched ${html(touchedSentence(row.touched))}${cited ? `<ul>${cited}</ul>` : ''}${unnamed ? `<p class="note">${html(unnamed)}</p>` : ''}</li>`;
  });
  return `<section id="why"><h2>${WHY_TITLE}</h2><p>${html(heading(why))}</p>
${rows.length ? `<ul>${rows.join('\n')}</ul>` : '<p class="none">No step changed.</p>'}
<details><summary>The Debian changelog entries and NEWS sections between them</summary><pre>${html(fullText(why).join('\n'))}</pre></details>
</section>`;
}

/** The entries and sections as the package ships them (headers, bodies, trailers). */
function fullText(why: Why): string[] {
  const lines: string[] = [];
  for (const e of why.changes.entries) lines.push(`systemd (${e.version}) ${e.distribution}`, ...e.body, ` -- ${e.trailer}`, '');
  for (const s of why.changes.sections) lines.push(`${s.title}:`, ...s.body);
  return lines;
}
