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
import { ArchiveError } from '../archive/apt.js';
import { changesBetween, ChangesTextError } from '../archive/changelog.js';
import type { Touched } from '../archive/cite.js';
import { readPackageTexts } from '../archive/package-texts.js';
import { compareDebianVersions } from '../versions/debian.js';
import { explain, systemdPackages, type TouchedLookup, type Why } from './why.js';

export const COMPARE_FORMATS = ['text', 'markdown', 'html'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

export interface CompareCommandOptions {
  format?: string;
  /** Write here instead of stdout. */
  output?: string;
  /** A gate: exit 1 when a step's outcome changed between the reports, naming each on stderr. */
  failOnChange?: boolean;
  /** A folder with the newer systemd's changelog.Debian.gz and NEWS.gz: the report then
   *  cites them for each changed step (why.ts). */
  changes?: string;
  /** What each step of a scenario file touched, or why that is unknown (the command layer
   *  reads scenario files; this layer may not). */
  touchedIn?: (scenarioFile: string) => Promise<Map<string, Touched> | string>;
  stdout?: { write(chunk: string): unknown };
  stderr?: { write(chunk: string): unknown };
}

const EXIT_COMPARED = 0;
const EXIT_OUTCOME_CHANGED = 1;
const EXIT_BAD_INPUT = 2;

export function renderComparison(comparison: Comparison, format: CompareFormat, why?: Why): string {
  switch (format) {
    case 'text':
      return renderCompareText(comparison, why);
    case 'markdown':
      return renderCompareMarkdown(comparison, why);
    case 'html':
      return renderCompareHtml(comparison, why);
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
  let why: Why | undefined;
  if (options.changes !== undefined) {
    try {
      why = await whyOf(comparison, options.changes, options.touchedIn);
    } catch (err) {
      if (err instanceof ArchiveError || err instanceof ChangesTextError) return fail(`--changes ${options.changes}: ${err.message}`);
      throw err;
    }
  }
  const text = renderComparison(comparison, format as CompareFormat, why);
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

/** The why of the first and last column's systemd, from the newer one's texts in DIR. */
async function whyOf(comparison: Comparison, dir: string, touchedIn: CompareCommandOptions['touchedIn']) {
  const packages = systemdPackages(comparison);
  const [older, newer] = [packages[0], packages.at(-1)];
  if (older === undefined || newer === undefined) {
    throw new ChangesTextError(`the reports record the same systemd on both sides, or none (suite property package.systemd): nothing lies between to cite`);
  }
  if (compareDebianVersions(older, newer) > 0) throw new ChangesTextError(`the first report has the newer systemd (${older} after ${newer}): give the older report first`);
  const texts = await readPackageTexts(dir);
  const changes = changesBetween(texts.changelog, texts.news, older, newer);
  const byFile = new Map<string, Map<string, Touched> | string>();
  for (const scenario of comparison.scenarios) {
    if (!scenario.file || byFile.has(scenario.file)) continue;
    byFile.set(scenario.file, touchedIn ? await touchedIn(scenario.file) : 'no scenario files were read');
  }
  const lookup: TouchedLookup = (scenarioName, step) => {
    const file = comparison.scenarios.find((s) => s.name === scenarioName)?.file;
    if (!file) return 'the report names no scenario file';
    const steps = byFile.get(file);
    if (typeof steps === 'string' || steps === undefined) return steps ?? 'not read';
    return steps.get(step) ?? `${file} has no step named so now`;
  };
  return explain(comparison, changes, lookup);
}
