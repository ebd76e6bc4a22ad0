// `harness merge a.xml b.xml -o all.xml`: shard reports joined into one JUnit report, as if
// one run had produced it. Suites keep their order (the inputs' order, then each file's),
// ids are renumbered, and the totals on <testsuites> are recomputed from the suites.
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

export function mergeJUnit(inputs: MergeInput[]): Merged {
  const suites: XmlElement[] = [];
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const input of inputs) {
    for (const suite of input.suites) {
      const key = `${suite.attributes?.package ?? ''}\u0000${suite.attributes?.name ?? ''}`;
      const first = seen.get(key);
      if (first !== undefined) duplicates.push(`testsuite "${suite.attributes?.name}" is in both ${first} and ${input.file}`);
      else seen.set(key, input.file);
      suites.push({ ...suite, attributes: { ...suite.attributes, id: suites.length } });
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
