// `harness compare OLD.xml NEW.xml [MORE.xml…]`: read the reports, build the comparison,
// print or write it. Exit 0 when compared (differences are the point, not an error),
// 2 when an input cannot be compared, with a message naming the file; with failOnChange
// (a gate), 1 when an outcome changed, the changed steps then repeated on stderr.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildComparison, type Comparison, type ComparedSuite } from './model.js';
import { readReportFile, ReportInputError } from './read-junit.js';
import { renderCompareHtml } from './render-html.js';
import { renderCompareMarkdown } from './render-markdown.js';
import { outcomeChangeLines, renderCompareText } from './render-text.js';

export const COMPARE_FORMATS = ['text', 'markdown', 'html'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

export interface CompareCommandOptions {
  format?: string;
  /** Write here instead of stdout. */
  output?: string;
  /** A gate: exit 1 when a step's outcome changed between the reports, naming each on stderr. */
  failOnChange?: boolean;
  stdout?: { write(chunk: string): unknown };
  stderr?: { write(chunk: string): unknown };
}

const EXIT_COMPARED = 0;
const EXIT_OUTCOME_CHANGED = 1;
const EXIT_BAD_INPUT = 2;

export function renderComparison(comparison: Comparison, format: CompareFormat): string {
  switch (format) {
    case 'text':
      return renderCompareText(comparison);
    case 'markdown':
      return renderCompareMarkdown(comparison);
    case 'html':
      return renderCompareHtml(comparison);
  }
}

export async function compareCommand(files: string[], options: CompareCommandOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const fail = (message: string) => {
    stderr.write(`harness compare: ${message}\nusage: harness compare OLD.xml NEW.xml [MORE.xml…] [--format text|markdown|html] [-o FILE] [--fail-on-change]\n`);
    return EXIT_BAD_INPUT;
  };
  const format = options.format ?? 'text';
  if (!(COMPARE_FORMATS as readonly string[]).includes(format)) return fail(`--format must be one of ${COMPARE_FORMATS.join(', ')}, got ${format}`);
  if (files.length === 0) return fail('name the JUnit reports to compare');

  const suites: ComparedSuite[] = [];
  const labels = reportLabels(files);
  for (const [i, file] of files.entries()) {
    try {
      const found = await readReportFile(file, labels[i]);
      if (found.length === 0) return fail(`${file}: the report holds no scenario results`);
      suites.push(...found);
    } catch (err) {
      if (err instanceof ReportInputError) return fail(err.message);
      throw err;
    }
  }
  const comparison = buildComparison(suites);
  if (comparison.columns.length < 2) {
    return fail(`nothing to compare: ${files.join(', ')} hold${files.length === 1 ? 's' : ''} runs on one image only (${comparison.columns[0]?.image}); give two reports or a report of a run over several images`);
  }
  const text = renderComparison(comparison, format as CompareFormat);
  if (options.output) {
    await mkdir(path.dirname(path.resolve(options.output)), { recursive: true });
    await writeFile(options.output, text);
    stderr.write(`wrote ${options.output}\n`);
  } else {
    stdout.write(text);
  }
  if (options.failOnChange && comparison.outcomeChanges.length > 0) {
    stderr.write(`harness compare: ${comparison.outcomeChanges.length} outcome(s) changed (--fail-on-change):\n${outcomeChangeLines(comparison).join('\n')}\n`);
    return EXIT_OUTCOME_CHANGED;
  }
  return EXIT_COMPARED;
}

/** Each report's name in the comparison: its base name, or its path where two share one. */
function reportLabels(files: string[]): string[] {
  const names = files.map((f) => path.basename(f));
  return files.map((file, i) => (names.filter((n) => n === names[i]).length > 1 ? file : names[i]));
}
