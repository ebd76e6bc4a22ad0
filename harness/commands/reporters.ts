// `--reporter list|dot|junit|github|markdown`, repeatable or comma-separated: the names a
// user may give, and the Reporter each becomes. One module per format; this file only
// chooses among them, so the CLI stays argument parsing.
import { CompareSummaryReporter } from '../compare/reporter.js';
import { ConsoleReporter, type TextSink } from '../report/console.js';
import { DotReporter } from '../report/dot.js';
import type { Reporter } from '../report/events.js';
import { GitHubReporter } from '../report/github.js';
import { JUnitReporter } from '../report/junit.js';
import { LiveListReporter, type LiveStream } from '../report/live.js';
import { MarkdownReporter } from '../report/markdown.js';
import { Multiplexer } from '../report/multiplexer.js';
import { nearest } from '../util/nearest.js';

export const REPORTER_NAMES = ['list', 'dot', 'junit', 'github', 'markdown'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];
export const DEFAULT_REPORTERS: readonly ReporterName[] = ['list', 'junit'];

/** `['list,junit', 'github']` → `['list', 'junit', 'github']`; throws naming a bad one. */
export function parseReporterNames(values: readonly string[] | undefined): ReporterName[] {
  if (!values || values.length === 0) return [...DEFAULT_REPORTERS];
  const names: ReporterName[] = [];
  for (const raw of values.flatMap((v) => v.split(','))) {
    const name = raw.trim();
    if (!(REPORTER_NAMES as readonly string[]).includes(name)) {
      const hint = nearest(name, REPORTER_NAMES);
      throw new Error(`--reporter: unknown reporter "${name}"${hint ? ` (did you mean ${hint}?)` : ''}; known: ${REPORTER_NAMES.join(', ')}`);
    }
    if (!names.includes(name as ReporterName)) names.push(name as ReporterName);
  }
  return names;
}

/** list and dot both draw progress on stdout; together they would garble each other. */
export function checkCompatible(names: readonly ReporterName[]): void {
  if (names.includes('list') && names.includes('dot')) throw new Error('--reporter: list and dot both write progress to stdout; choose one');
}

export interface ReporterSetup {
  junitFile: string;
  /** `--markdown FILE`; else $GITHUB_STEP_SUMMARY when set (appended to); else stdout. */
  markdownFile?: string;
  env?: NodeJS.ProcessEnv;
  stdout?: LiveStream;
}

/** A plain log (no live redraw) when the output is not a terminal or CI says so. */
export function isPlainLog(stream: LiveStream, env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return stream.isTTY !== true || ci || env.TERM === 'dumb';
}

/** Where the runner's own lines go: above the live view when there is one (written to
 *  stderr beneath it, they would be erased or leave stale status lines), else stderr. */
export function runLogFor(reporter: Reporter): ((line: string) => void) | undefined {
  const all = reporter instanceof Multiplexer ? reporter.reporters : [reporter];
  const live = all.find((r): r is LiveListReporter => r instanceof LiveListReporter);
  return live && ((line: string) => live.printAbove(line));
}

export function createReporter(names: readonly ReporterName[], setup: ReporterSetup): Reporter {
  const env = setup.env ?? process.env;
  const stdout = setup.stdout ?? process.stdout;
  const make = (name: ReporterName): Reporter | Reporter[] => {
    switch (name) {
      case 'list':
        // After a run over several images, list also says what differed between them.
        return [isPlainLog(stdout, env) ? new ConsoleReporter({ stream: stdout as TextSink }) : new LiveListReporter({ stream: stdout }), new CompareSummaryReporter(stdout)];
      case 'dot':
        return new DotReporter({ stream: stdout });
      case 'junit':
        return new JUnitReporter({ outputFile: setup.junitFile });
      case 'github':
        return new GitHubReporter({ stream: stdout });
      case 'markdown': {
        const summary = env.GITHUB_STEP_SUMMARY || undefined;
        const outputFile = setup.markdownFile ?? summary;
        return new MarkdownReporter({ outputFile, append: setup.markdownFile === undefined && summary !== undefined, stream: stdout });
      }
    }
  };
  const mux = new Multiplexer(names.flatMap(make));
  // a reporter's failure is said above the live view, not written into it
  const above = runLogFor(mux);
  if (above) mux.log = above;
  return mux;
}
