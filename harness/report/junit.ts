// JUnit XML, shaped to validate against the Jenkins xUnit schema (junit-10.xsd) that CI
// servers read: one testsuite per scenario run (scenario × image), one testcase per step.
// Modelled on Playwright's reporters/junit.ts: build a small tree, serialize it once.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { countOutcomes, type Reporter, type RunSummary, type ScenarioResult, type StepResult } from './events.js';
import { attachmentLine } from './junit-read.js';
import { defuseMarkers, observedBlock } from './observed.js';
import { element, serializeXml, textElement, type XmlElement } from './xml.js';

export interface JUnitOptions {
  /** Recorded on every testsuite; defaults to this machine's name. */
  hostname?: string;
  /** Scenario files below this folder are named relative to it in classnames; defaults to the cwd. */
  rootDir?: string;
  /** The folder the report is written to: attachment paths are written relative to it, so
   *  a report moved with its artifacts still links them (as Playwright's reporter does).
   *  Without it, paths are written as the steps have them. */
  reportDir?: string;
}

/** The whole report as text. Pure apart from the defaults of `options`. */
export function renderJUnit(results: ScenarioResult[], summary: RunSummary, options: JUnitOptions = {}): string {
  const hostname = options.hostname ?? os.hostname();
  const rootDir = options.rootDir ?? process.cwd();
  const suites = results.map((result, index) => testsuite(result, index, summary, hostname, rootDir, options.reportDir));
  if (results.length === 0 && summary.interrupted) suites.push(runErrorSuite(summary.interrupted, hostname));
  return serializeXml(testsuites(suites, summary));
}

export class JUnitReporter implements Reporter {
  private readonly outputFile: string;
  private readonly options: JUnitOptions;

  constructor(options: { outputFile: string } & JUnitOptions) {
    const { outputFile, ...rest } = options;
    this.outputFile = path.resolve(outputFile);
    this.options = { reportDir: path.dirname(this.outputFile), ...rest };
  }

  async onRunEnd(results: ScenarioResult[], summary: RunSummary): Promise<void> {
    await writeFileAtomically(this.outputFile, renderJUnit(results, summary, this.options));
  }
}

/**
 * The file appears whole or not at all: written beside its final name, flushed, then
 * renamed over it (rename is atomic within one filesystem). An interrupted run may be
 * killed mid-write, and a half file would read to CI as a different, broken run.
 */
export async function writeFileAtomically(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => {});
    throw new Error(`could not write the JUnit report ${file}: ${(err as Error).message}`, { cause: err });
  }
}

// ---- the tree ----

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** The schema allows no `skipped` attribute on <testsuites>: it lives on each <testsuite>. */
function testsuites(suites: XmlElement[], summary: RunSummary): XmlElement {
  const total = suites.reduce<Counts>((sum, suite) => addCounts(sum, suite), { tests: 0, failures: 0, errors: 0, skipped: 0 });
  return element(
    'testsuites',
    { name: 'harness', tests: total.tests, failures: total.failures, errors: total.errors, time: seconds(summary.durationMs) },
    suites,
  );
}

function addCounts(sum: Counts, suite: XmlElement): Counts {
  const attr = (name: keyof Counts) => Number(suite.attributes?.[name] ?? 0);
  return {
    tests: sum.tests + attr('tests'),
    failures: sum.failures + attr('failures'),
    errors: sum.errors + attr('errors'),
    skipped: sum.skipped + attr('skipped'),
  };
}

function testsuite(result: ScenarioResult, index: number, summary: RunSummary, hostname: string, rootDir: string, reportDir?: string): XmlElement {
  const pkg = packageName(result, rootDir);
  const counts = junitCounts(result.steps);
  const children: XmlElement[] = [];
  const properties = suiteProperties(result, summary);
  if (properties.length > 0) children.push(element('properties', {}, properties));
  for (const step of result.steps) children.push(testcase(step, pkg, reportDir));
  if (result.output) children.push(textElement('system-out', {}, result.output));
  return element(
    'testsuite',
    {
      name: result.info.name,
      tests: counts.tests,
      failures: counts.failures,
      errors: counts.errors,
      skipped: counts.skipped,
      time: seconds(result.durationMs),
      timestamp: timestamp(result.startedAt),
      hostname,
      id: index,
      package: pkg,
      file: result.info.file,
    },
    children,
  );
}

function suiteProperties(result: ScenarioResult, summary: RunSummary): XmlElement[] {
  const entries = Object.entries(result.properties);
  if (summary.interrupted !== undefined) entries.push(['interrupted', summary.interrupted]);
  return entries.map(([name, value]) => element('property', { name, value }));
}

function testcase(step: StepResult, pkg: string, reportDir: string | undefined): XmlElement {
  const children: XmlElement[] = [];
  const outcome = outcomeElement(step);
  if (outcome) children.push(outcome);
  children.push(...retryElements(step, reportDir));
  const out = systemOut(step, reportDir);
  if (out) children.push(textElement('system-out', {}, out));
  return element('testcase', { name: step.name, classname: `${pkg}.${step.kind}`, time: seconds(step.durationMs) }, children);
}

/** Failure = the guest answered differently than expected; error = the step could not be
 *  carried out. CI servers show them apart, so a flaky VM does not look like a bug found. */
function outcomeElement(step: StepResult): XmlElement | undefined {
  switch (step.outcome) {
    case 'passed':
      return undefined;
    case 'failed':
      return textElement('failure', { message: step.message, type: 'AssertionError' }, problemBody(step));
    case 'error':
      return textElement('error', { message: step.message, type: 'InfrastructureError' }, problemBody(step));
    case 'skipped':
      return element('skipped', { message: step.message });
  }
}

/** Earlier attempts that went wrong, the Surefire way: flaky* when the step passed in the
 *  end, rerun* when it did not (its own <error>/<failure> is the last attempt). Each links
 *  its own attempt's evidence in its system-out. */
function retryElements(step: StepResult, reportDir: string | undefined): XmlElement[] {
  const elements: XmlElement[] = [];
  for (const attempt of step.earlierAttempts ?? []) {
    if (attempt.outcome !== 'failed' && attempt.outcome !== 'error') continue;
    const kind = attempt.outcome === 'failed' ? 'Failure' : 'Error';
    const name = `${step.outcome === 'passed' ? 'flaky' : 'rerun'}${kind}`;
    const type = attempt.outcome === 'failed' ? 'AssertionError' : 'InfrastructureError';
    const children = [textElement('stackTrace', {}, attempt.details ?? attempt.message ?? '')];
    const out = systemOut(attempt, reportDir);
    if (out) children.push(textElement('system-out', {}, out));
    elements.push(element(name, { message: attempt.message, type }, children));
  }
  return elements;
}

/** What CI shows as the "stack trace": the long form if any, and where the step is written. */
function problemBody(step: StepResult): string {
  return [step.details ?? step.message, `at ${step.location}`].filter(Boolean).join('\n\n');
}

/** The step's output, what the guest showed (one delimited JSON block, for `harness
 *  compare`), then one `[[ATTACHMENT|path]]` line per file: the convention the Jenkins
 *  JUnit attachments plugin and Playwright's reporter share. */
function systemOut(step: Pick<StepResult, 'output' | 'observed' | 'attachments'>, reportDir: string | undefined): string {
  const lines: string[] = [];
  if (step.output) lines.push(defuseMarkers(step.output.replace(/\n$/, '')));
  if (step.observed) lines.push(observedBlock(step.observed));
  for (const file of step.attachments ?? []) lines.push(attachmentLine(reportDir === undefined ? file : path.relative(reportDir, path.resolve(file))));
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

/**
 * Without any scenario result the reason for stopping would vanish and CI would show an
 * empty, green run; one error testcase keeps it visible.
 */
function runErrorSuite(reason: string, hostname: string): XmlElement {
  const error = textElement('error', { message: reason, type: 'InfrastructureError' }, reason);
  return element('testsuite', { name: 'harness', tests: 1, failures: 0, errors: 1, skipped: 0, time: seconds(0), hostname }, [
    element('properties', {}, [element('property', { name: 'interrupted', value: reason })]),
    element('testcase', { name: 'run', classname: 'harness', time: seconds(0) }, [error]),
  ]);
}

// ---- values ----

function junitCounts(steps: StepResult[]): Counts {
  const { failed, errors, skipped } = countOutcomes(steps);
  return { tests: steps.length, failures: failed, errors, skipped };
}

/**
 * The dotted "package" CI servers group testcases by: the scenario file without its
 * extension, then the image (one file may run on several, and classname + name must stay
 * unique). Relative to rootDir so the value is the same on every machine.
 */
function packageName(result: ScenarioResult, rootDir: string): string {
  const file = result.info.file;
  const relative = path.isAbsolute(file) && !path.relative(rootDir, file).startsWith('..') ? path.relative(rootDir, file) : file;
  const withoutExt = relative.slice(0, relative.length - path.extname(relative).length);
  const segments = withoutExt.split(/[\\/]+/).filter((s) => s !== '' && s !== '.' && s !== '..');
  // A dot inside an image name (ubuntu-24.04) would otherwise read as another package level.
  segments.push(result.info.image.replace(/\./g, '_'));
  return segments.join('.');
}

/** Seconds with millisecond precision; the schema's time pattern admits no sign, NaN or exponent. */
function seconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000';
}

/** ISO 8601 in UTC without a zone designator, as the Ant/Surefire format has it. */
function timestamp(date: Date): string | undefined {
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 19);
}
