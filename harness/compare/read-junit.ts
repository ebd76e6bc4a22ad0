// A harness JUnit report read back into the suites a comparison needs. report/junit-read.ts
// does the XML (one reader for merge, shards and compare); this file only knows the
// harness's own layout: <testsuites name="harness">, suite properties, one testcase per
// step, and the observation block in each testcase's system-out.
import path from 'node:path';
import { attribute, childrenNamed, JUnitReadError, parseJUnitRoot, readJUnitText, readSuite, type ReadTestcase } from '../report/junit-read.js';
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
    .map((suite, index) => comparedSuite(suite, file, label, index))
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

function comparedSuite(suite: XmlElement, file: string, label: string | undefined, index: number): ComparedSuite | undefined {
  const { name, file: scenarioFile, properties, durationMs, testcases } = readSuite(suite);
  // The suite a run writes when it stopped before any scenario: nothing to compare.
  if (name === 'harness' && properties.image === undefined) return undefined;
  if (properties.image === undefined) throw new ReportInputError(`${file}: testsuite ${index + 1} ("${name}") has no "image" property: not written by harness run`);
  return {
    scenario: scenarioName(name, properties.image),
    image: properties.image,
    source: label,
    ...(scenarioFile ? { file: scenarioFile } : {}),
    properties,
    durationMs,
    steps: testcases.map((testcase) => comparedStep(testcase, file, name)),
  };
}

function comparedStep(testcase: ReadTestcase, file: string, suiteName: string): ComparedStep {
  const { name, kind, outcome, message, durationMs } = testcase;
  let observed;
  try {
    observed = readObservedBlock(testcase.systemOut);
  } catch (err) {
    if (err instanceof ObservedBlockError) throw new ReportInputError(`${file}: testcase "${name}" of "${suiteName}": ${err.message}`);
    throw err;
  }
  return { name, kind, outcome, message, durationMs, observed };
}
