// A Markdown summary of a run for people reading CI pages: GitHub's job summary
// ($GITHUB_STEP_SUMMARY, appended to, as actions/toolkit does) or a file a GitLab job keeps
// as an artifact or posts to a merge request. Counts first, then one row per scenario,
// then every failure and error with its place and message, folded.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { countOutcomes, type Reporter, type RunSummary, type ScenarioResult } from './events.js';
import { formatElapsed, summaryLine, type TextSink } from './console.js';
import { terminalSafe } from './sanitize.js';

export interface MarkdownReporterOptions {
  /** Where to write; without it the summary goes to `stream`. */
  outputFile?: string;
  /** Add to the file instead of replacing it ($GITHUB_STEP_SUMMARY collects every step's). */
  append?: boolean;
  stream?: TextSink;
  title?: string;
}

/** GitHub refuses a job summary over 1 MiB; a runaway message must not cost the whole page. */
const MAX_MESSAGE_CHARS = 4000;
const MAX_PROBLEMS = 50;

export class MarkdownReporter implements Reporter {
  constructor(private readonly options: MarkdownReporterOptions = {}) {}

  async onRunEnd(results: ScenarioResult[], summary: RunSummary): Promise<void> {
    const text = renderMarkdown(results, summary, this.options.title);
    const file = this.options.outputFile;
    if (!file) {
      (this.options.stream ?? process.stdout).write(text);
      return;
    }
    try {
      await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await (this.options.append ? appendFile : writeFile)(file, text, 'utf8');
    } catch (err) {
      throw new Error(`could not write the Markdown summary ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
}

export function renderMarkdown(results: ScenarioResult[], summary: RunSummary, title = 'confinement-harness'): string {
  const bad = summary.failed + summary.errors;
  const verdict = summary.interrupted !== undefined ? '⚠️ interrupted' : bad > 0 ? '❌ failed' : '✅ passed';
  const out: string[] = [`## ${cell(title)}: ${verdict}`, '', summaryLine(summary), ''];
  if (summary.interrupted !== undefined) out.push(`> **Interrupted:** ${cell(summary.interrupted)}`, '');

  if (results.length > 0) {
    out.push('| scenario | image | result | passed | failed | errors | skipped | time |', '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const result of results) {
      const c = countOutcomes(result.steps);
      const mark = c.failed > 0 ? '❌ failed' : c.errors > 0 ? '⚠️ error' : c.passed === 0 && c.skipped > 0 ? '⏭️ skipped' : '✅ passed';
      out.push(`| ${cell(result.info.name)} | ${cell(result.info.image)} | ${mark} | ${c.passed} | ${c.failed} | ${c.errors} | ${c.skipped} | ${formatElapsed(result.durationMs)} |`);
    }
    out.push('');
  }

  const problems = results.flatMap((r) => r.steps.filter((s) => s.outcome === 'failed' || s.outcome === 'error').map((s) => [r, s] as const));
  if (problems.length > 0) {
    out.push('### Failures and errors', '');
    for (const [result, step] of problems.slice(0, MAX_PROBLEMS)) {
      const kind = step.outcome === 'failed' ? '❌' : '⚠️ error:';
      out.push('<details>', `<summary>${kind} ${html(result.info.name)} › ${html(step.name)} (<code>${html(step.location)}</code>)</summary>`, '');
      out.push(codeBlock(truncate(terminalSafe(step.details ?? step.message ?? step.outcome))), '', '</details>', '');
    }
    if (problems.length > MAX_PROBLEMS) out.push(`… and ${problems.length - MAX_PROBLEMS} more; the JUnit report has them all.`, '');
  }
  return out.join('\n') + '\n';
}

/** Text inside a table cell or a heading: one line, no pipe, no markup from guest text. */
export function cell(text: string): string {
  return html(text.replace(/\s*\n\s*/g, ' ')).replace(/([\\`*_[\]#|])/g, '\\$1');
}

/** Inside HTML elements (the folded <summary>), markup characters become entities. */
function html(text: string): string {
  return terminalSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');
}

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
export function codeBlock(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text.replace(/\n+$/, '')}\n${fence}`;
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}\n… (${text.length - MAX_MESSAGE_CHARS} more characters in the JUnit report)` : text;
}
