// `harness merge a.xml b.xml -o all.xml`: shard reports joined into one JUnit report, as if
// one run had produced it. Suites keep their order (the inputs' order, then each file's),
// ids are renumbered, and the totals on <testsuites> are recomputed from the suites.
import path from 'node:path';
import { rebaseAttachments } from './junit-read.js';
import type { XmlElement } from './xml.js';
import { element, serializeXml } from './xml.js';

export interface MergeInput {
  file: string;
  suites: XmlElement[];
}

export interface Merged {
  xml: string;
  suites: number;
  tests: number;
  /** Suites that came in more than once (overlapping shards); kept, and worth a warning. */
  duplicates: string[];
}

/** `outputDir`: where the merged report goes; relative attachment paths are re-based to it
 *  from each input's folder, so they still reach their files. */
export function mergeJUnit(inputs: MergeInput[], outputDir?: string): Merged {
  const suites: XmlElement[] = [];
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const input of inputs) {
    for (const suite of input.suites) {
      const key = `${suite.attributes?.package ?? ''}\u0000${suite.attributes?.name ?? ''}`;
      const first = seen.get(key);
      if (first !== undefined) duplicates.push(`testsuite "${suite.attributes?.name}" is in both ${first} and ${input.file}`);
      else seen.set(key, input.file);
      const moved = outputDir === undefined ? suite : rebaseSuite(suite, path.dirname(path.resolve(input.file)), path.resolve(outputDir));
      suites.push({ ...moved, attributes: { ...moved.attributes, id: suites.length } });
    }
  }
  const sum = (attr: string) => suites.reduce((n, s) => n + number(s.attributes?.[attr]), 0);
  const time = suites.reduce((n, s) => n + number(s.attributes?.time), 0);
  const root = element(
    'testsuites',
    { name: 'harness', tests: sum('tests'), failures: sum('failures'), errors: sum('errors'), time: time.toFixed(3) },
    suites,
  );
  return { xml: serializeXml(root), suites: suites.length, tests: sum('tests'), duplicates };
}

function number(value: string | number | undefined): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** The suite with the attachment lines of each testcase's system-out re-based. */
function rebaseSuite(suite: XmlElement, from: string, to: string): XmlElement {
  if (from === to) return suite;
  const rebase = (node: XmlElement, inTestcase: boolean): XmlElement =>
    node.name === 'system-out' && inTestcase && node.text !== undefined
      ? { ...node, text: rebaseAttachments(node.text, from, to) }
      : node.children
        ? { ...node, children: node.children.map((child) => rebase(child, inTestcase || node.name === 'testcase')) }
        : node;
  return rebase(suite, false);
}
