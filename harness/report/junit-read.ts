// Reading JUnit reports back, the one reader of the format: for `harness merge`, for shard
// balancing by earlier durations, for the Markdown summary of merged shards
// (junit-results.ts) and for `harness compare` (compare/read-junit.ts). fast-xml-parser
// checks well-formedness (with line and column) and keeps element order, attributes and
// text exactly; the result is this project's XmlElement tree, so a merged report is
// written by the same serializer as a fresh one. `readSuite` then gives each testsuite's
// meaning (properties, times, each testcase's outcome), so no caller decodes JUnit itself.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Outcome } from './events.js';
import type { XmlElement } from './xml.js';

export class JUnitReadError extends Error {}

/** Reads `file` and returns its <testsuite> elements; throws JUnitReadError saying what is wrong. */
export async function readJUnitFile(file: string): Promise<XmlElement[]> {
  return parseJUnit(await readJUnitText(file), file);
}

/** A report file's text; a file that cannot be read is a JUnitReadError naming it and why. */
export async function readJUnitText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a report' : (err as Error).message;
    throw new JUnitReadError(`${file}: ${why}`);
  }
}

/** The <testsuite> elements of a report whose root is <testsuites> or a lone <testsuite>. */
export function parseJUnit(text: string, file: string): XmlElement[] {
  const root = parseJUnitRoot(text, file);
  if (root.name === 'testsuite') return [root];
  if (root.name !== 'testsuites') {
    throw new JUnitReadError(`${file}: not a JUnit report: the root element is <${root.name}>, expected <testsuites> or <testsuite>`);
  }
  const strays = (root.children ?? []).filter((c) => c.name !== 'testsuite').map((c) => `<${c.name}>`);
  if (strays.length) throw new JUnitReadError(`${file}: not a JUnit report: <testsuites> holds ${[...new Set(strays)].join(', ')}; only <testsuite> belongs there`);
  return root.children ?? [];
}

/** A report's root element, as this project's XmlElement tree (text kept exactly, values as text). */
export function parseJUnitRoot(text: string, file: string): XmlElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    throw new JUnitReadError(`${file}:${line}:${col}: not a JUnit report: not well-formed XML: ${msg}`);
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    trimValues: false,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: '#comment',
    // Numeric character references (&#10; in a multi-line message attribute) are decoded only with this on.
    htmlEntities: true,
  });
  const roots = (parser.parse(text) as OrderedNode[]).map(toElement).filter((e): e is XmlElement => e !== undefined);
  if (!roots[0]) throw new JUnitReadError(`${file}: not a JUnit report: no root element`);
  return roots[0];
}

/** The children of `element` named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return (element.children ?? []).filter((child) => child.name === name);
}

/** An attribute's value as text ('' when absent). */
export function attribute(element: XmlElement, name: string): string {
  const value = element.attributes?.[name];
  return value === undefined ? '' : String(value);
}

/** fast-xml-parser's ordered form: `{ tag: [children], ':@': attributes }` or `{ '#text': … }`. */
type OrderedNode = Record<string, unknown>;

function toElement(node: OrderedNode): XmlElement | undefined {
  const name = Object.keys(node).find((key) => key !== ':@' && key !== '#text' && key !== '#comment');
  if (name === undefined) return undefined;
  const attributes = (node[':@'] as Record<string, string> | undefined) ?? {};
  const kids = (node[name] as OrderedNode[]) ?? [];
  const children = kids.map(toElement).filter((e): e is XmlElement => e !== undefined);
  const text = kids
    .filter((k) => '#text' in k)
    .map((k) => String(k['#text']))
    .join('');
  // Whitespace between child elements is layout, not content.
  if (children.length > 0) return { name, attributes, children };
  return text === '' ? { name, attributes, children: [] } : { name, attributes, text };
}

/** A testsuite as this project writes it, decoded once for every reader. */
export interface ReadSuite {
  name: string;
  /** The scenario file, as the `file` attribute has it ('' when absent). */
  file: string;
  /** The dotted package (scenario path, then image). */
  package: string;
  properties: Record<string, string>;
  durationMs: number;
  /** The `timestamp` attribute (UTC, no zone designator), '' when absent. */
  timestamp: string;
  testcases: ReadTestcase[];
}

export interface ReadTestcase {
  name: string;
  /** The classname's last segment: the step's kind (junit.ts writes `${package}.${kind}`). */
  kind: string;
  outcome: Outcome;
  /** The <failure>/<error>/<skipped> element's message attribute, if any. */
  message?: string;
  /** That element's text: the long form, then "at FILE:LINE:COL". */
  problemText: string;
  durationMs: number;
  /** The testcase's system-out, its parts joined by a newline. */
  systemOut: string;
}

export function readSuite(suite: XmlElement): ReadSuite {
  const properties: Record<string, string> = {};
  for (const block of childrenNamed(suite, 'properties')) {
    for (const property of childrenNamed(block, 'property')) properties[attribute(property, 'name')] = attribute(property, 'value');
  }
  return {
    name: attribute(suite, 'name'),
    file: attribute(suite, 'file'),
    package: attribute(suite, 'package'),
    properties,
    durationMs: junitSeconds(attribute(suite, 'time')),
    timestamp: attribute(suite, 'timestamp'),
    testcases: childrenNamed(suite, 'testcase').map(readTestcase),
  };
}

const PROBLEMS: [string, Outcome][] = [['failure', 'failed'], ['error', 'error'], ['skipped', 'skipped']];

function readTestcase(testcase: XmlElement): ReadTestcase {
  const found = PROBLEMS.map(([element, outcome]) => [childrenNamed(testcase, element)[0], outcome] as const).find(([problem]) => problem);
  const problem = found?.[0];
  const read: ReadTestcase = {
    name: attribute(testcase, 'name'),
    kind: attribute(testcase, 'classname').split('.').pop() || 'step',
    outcome: found?.[1] ?? 'passed',
    problemText: problem?.text ?? '',
    durationMs: junitSeconds(attribute(testcase, 'time')),
    systemOut: childrenNamed(testcase, 'system-out').map((out) => out.text ?? '').join('\n'),
  };
  const message = problem?.attributes?.message;
  if (message !== undefined && message !== '') read.message = String(message);
  return read;
}

/** A JUnit time attribute (seconds) in milliseconds; anything but a non-negative number is 0. */
export function junitSeconds(value: string): number {
  const n = Number(value);
  return value !== '' && Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : 0;
}

/** The `[[ATTACHMENT|path]]` convention (Jenkins' attachments plugin, Playwright): one line a file. */
export const attachmentLine = (file: string) => `[[ATTACHMENT|${file.replace(/[\r\n]/g, ' ')}]]`;

/** Attachment lines in `text` with each relative path re-based from folder `from` to folder
 *  `to`, so a report written or merged elsewhere still links its files. Absolute paths stay. */
export function rebaseAttachments(text: string, from: string, to: string): string {
  return text.replace(/^\[\[ATTACHMENT\|(.*)\]\]$/gm, (line, file: string) =>
    path.isAbsolute(file) ? line : attachmentLine(path.relative(to, path.resolve(from, file)) || '.'),
  );
}
