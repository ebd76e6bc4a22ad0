// A harness JUnit report read back into the suites a comparison needs. fast-xml-parser
// does the XML (entities, character references, CDATA); this file only knows the
// harness's own layout: <testsuites name="harness">, suite properties, one testcase per
// step, and the observation block in each testcase's system-out.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Outcome } from '../report/events.js';
import { ObservedBlockError, readObservedBlock } from '../report/observed.js';
import { scenarioName, type ComparedStep, type ComparedSuite } from './model.js';

/** Input that cannot be compared; the message names the file and what is wrong with it. */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Values stay text: a step named "007" or a property "252" must not become a number.
  parseTagValue: false,
  parseAttributeValue: false,
  alwaysCreateTextNode: true,
  // Character references (&#10; in a multi-line message attribute) are decoded only with this.
  htmlEntities: true,
  isArray: (name) => ['testsuite', 'testcase', 'property', 'properties', 'system-out'].includes(name),
});

/** Reads and checks one report file; `label` names it in the comparison (default: its base name). */
export async function readReportFile(file: string, label = path.basename(file)): Promise<ComparedSuite[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a report' : (err as Error).message;
    throw new ReportInputError(`${file}: ${why}`);
  }
  return readReport(text, file, label);
}

/** The suites of a report's text; `file` is only for messages. */
export function readReport(text: string, file: string, label?: string): ComparedSuite[] {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new ReportInputError(`${file}: not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  const document = parser.parse(text) as Node;
  const rootName = Object.keys(document).find((key) => !key.startsWith('?') && key !== '#text');
  const root = rootName ? (document[rootName] as Node) : undefined;
  if (rootName !== 'testsuites' || root?.name !== 'harness') {
    const found = rootName ? `<${rootName}${rootName === 'testsuites' ? ` name="${String(root?.name ?? '')}"` : ''}>` : 'no element';
    throw new ReportInputError(`${file}: not a harness report: the root is ${found}, expected <testsuites name="harness"> as \`harness run --junit\` writes it`);
  }
  return asArray(root.testsuite)
    .map((suite, index) => readSuite(suite, file, label, index))
    .filter((suite): suite is ComparedSuite => suite !== undefined);
}

function readSuite(suite: Node, file: string, label: string | undefined, index: number): ComparedSuite | undefined {
  const name = text(suite.name);
  const properties: Record<string, string> = {};
  for (const block of asArray(suite.properties)) for (const p of asArray(block.property)) properties[text(p.name)] = text(p.value);
  // The suite a run writes when it stopped before any scenario: nothing to compare.
  if (name === 'harness' && properties.image === undefined) return undefined;
  if (properties.image === undefined) throw new ReportInputError(`${file}: testsuite ${index + 1} ("${name}") has no "image" property: not written by harness run`);
  return {
    scenario: scenarioName(name, properties.image),
    image: properties.image,
    source: label,
    properties,
    durationMs: seconds(suite.time),
    steps: asArray(suite.testcase).map((testcase) => readTestcase(testcase, file, name)),
  };
}

function readTestcase(testcase: Node, file: string, suiteName: string): ComparedStep {
  const name = text(testcase.name);
  const [outcome, problem] = outcomeOf(testcase);
  const systemOut = asArray(testcase['system-out']).map((out) => text(out['#text'])).join('\n');
  let observed;
  try {
    observed = readObservedBlock(systemOut);
  } catch (err) {
    if (err instanceof ObservedBlockError) throw new ReportInputError(`${file}: testcase "${name}" of "${suiteName}": ${err.message}`);
    throw err;
  }
  // The kind is the classname's last segment (junit.ts: `${package}.${kind}`).
  const kind = text(testcase.classname).split('.').pop() || 'step';
  return { name, kind, outcome, message: problem ? text(problem.message) || undefined : undefined, durationMs: seconds(testcase.time), observed };
}

function outcomeOf(testcase: Node): [Outcome, Node | undefined] {
  if (testcase.failure) return ['failed', testcase.failure as Node];
  if (testcase.error) return ['error', testcase.error as Node];
  if (testcase.skipped) return ['skipped', testcase.skipped as Node];
  return ['passed', undefined];
}

function asArray(value: unknown): Node[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is Node => typeof v === 'object' && v !== null);
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return text((value as Node)['#text']);
  return String(value);
}

function seconds(value: unknown): number {
  const n = Number(text(value));
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : 0;
}
