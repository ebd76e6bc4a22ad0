// A harness JUnit report read back into the suites a comparison needs. report/junit-read.ts
// does the XML (one reader for merge, shards and compare); this file only knows the
// harness's own layout: <testsuites name="harness">, suite properties, one testcase per
// step, and the observation block in each testcase's system-out.
import path from 'node:path';
import type { Outcome } from '../report/events.js';
import { attribute, childrenNamed, JUnitReadError, parseJUnitRoot, readJUnitText } from '../report/junit-read.js';
import { ObservedBlockError, readObservedBlock } from '../report/observed.js';
import type { XmlElement } from '../report/xml.js';
import { scenarioName, type ComparedStep, type ComparedSuite } from './model.js';

/** Input that cannot be compared; the message names the file and what is wrong with it. */
export class ReportInputError extends JUnitReadError {
  override name = 'ReportInputError';
}

/** Reads and checks one report file; `label` names it in the comparison (default: its base name). */
export async function readReportFile(file: string, label = path.basename(file)): Promise<ComparedSuite[]> {
  return readReport(await comparable(() => readJUnitText(file)), file, label);
}

/** The suites of a report's text; `file` is only for messages. */
export function readReport(text: string, file: string, label?: string): ComparedSuite[] {
  const root = parseJUnitRootOrThrow(text, file);
  if (root.name !== 'testsuites' || attribute(root, 'name') !== 'harness') {
    const found = `<${root.name}${root.name === 'testsuites' ? ` name="${attribute(root, 'name')}"` : ''}>`;
    throw new ReportInputError(`${file}: not a harness report: the root is ${found}, expected <testsuites name="harness"> as \`harness run --junit\` writes it`);
  }
  return childrenNamed(root, 'testsuite')
    .map((suite, index) => readSuite(suite, file, label, index))
    .filter((suite): suite is ComparedSuite => suite !== undefined);
}

/** The reader's own errors, as input that cannot be compared. */
async function comparable<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw err instanceof JUnitReadError && !(err instanceof ReportInputError) ? new ReportInputError(err.message) : err;
  }
}

function parseJUnitRootOrThrow(text: string, file: string): XmlElement {
  try {
    return parseJUnitRoot(text, file);
  } catch (err) {
    throw err instanceof JUnitReadError ? new ReportInputError(err.message) : err;
  }
}

function readSuite(suite: XmlElement, file: string, label: string | undefined, index: number): ComparedSuite | undefined {
  const name = attribute(suite, 'name');
  const properties: Record<string, string> = {};
  for (const block of childrenNamed(suite, 'properties')) {
    for (const property of childrenNamed(block, 'property')) properties[attribute(property, 'name')] = attribute(property, 'value');
  }
  // The suite a run writes when it stopped before any scenario: nothing to compare.
  if (name === 'harness' && properties.image === undefined) return undefined;
  if (properties.image === undefined) throw new ReportInputError(`${file}: testsuite ${index + 1} ("${name}") has no "image" property: not written by harness run`);
  return {
    scenario: scenarioName(name, properties.image),
    image: properties.image,
    source: label,
    properties,
    durationMs: seconds(attribute(suite, 'time')),
    steps: childrenNamed(suite, 'testcase').map((testcase) => readTestcase(testcase, file, name)),
  };
}

function readTestcase(testcase: XmlElement, file: string, suiteName: string): ComparedStep {
  const name = attribute(testcase, 'name');
  const [outcome, problem] = outcomeOf(testcase);
  const systemOut = childrenNamed(testcase, 'system-out').map((out) => out.text ?? '').join('\n');
  let observed;
  try {
    observed = readObservedBlock(systemOut);
  } catch (err) {
    if (err instanceof ObservedBlockError) throw new ReportInputError(`${file}: testcase "${name}" of "${suiteName}": ${err.message}`);
    throw err;
  }
  // The kind is the classname's last segment (junit.ts: `${package}.${kind}`).
  const kind = attribute(testcase, 'classname').split('.').pop() || 'step';
  return { name, kind, outcome, message: problem ? attribute(problem, 'message') || undefined : undefined, durationMs: seconds(attribute(testcase, 'time')), observed };
}

function outcomeOf(testcase: XmlElement): [Outcome, XmlElement | undefined] {
  for (const [element, outcome] of [['failure', 'failed'], ['error', 'error'], ['skipped', 'skipped']] as const) {
    const found = childrenNamed(testcase, element)[0];
    if (found) return [outcome, found];
  }
  return ['passed', undefined];
}

function seconds(value: string): number {
  const n = Number(value);
  return value !== '' && Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : 0;
}
