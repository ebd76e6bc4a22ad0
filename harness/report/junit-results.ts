// A JUnit report read back as the results the reporters consume, so a merged report of
// shards can get the same Markdown summary as one run (`harness merge --markdown FILE`).
// Only what the report holds comes back: names, outcomes, messages, times, and the
// step's place from the "at FILE:LINE:COL" line the JUnit reporter ends each problem with.
import { countOutcomes, type Outcome, type RunSummary, type ScenarioResult, type StepResult } from './events.js';
import { childrenNamed } from './junit-read.js';
import type { XmlElement } from './xml.js';

export function resultsFromSuites(suites: XmlElement[]): { results: ScenarioResult[]; summary: RunSummary } {
  const results = suites.map(resultOf);
  const summary: RunSummary = { ...countOutcomes(results.flatMap((r) => r.steps)), durationMs: 0 };
  for (const result of results) {
    summary.durationMs += result.durationMs;
    if (result.properties.interrupted !== undefined) summary.interrupted ??= result.properties.interrupted;
  }
  return { results, summary };
}

function resultOf(suite: XmlElement): ScenarioResult {
  const attr = (name: string) => (suite.attributes?.[name] === undefined ? undefined : String(suite.attributes[name]));
  const properties: Record<string, string> = {};
  for (const group of childrenNamed(suite, 'properties')) {
    for (const property of childrenNamed(group, 'property')) properties[String(property.attributes?.name)] = String(property.attributes?.value ?? '');
  }
  const file = attr('file') ?? '';
  const image = properties.image ?? attr('package')?.split('.').pop() ?? '';
  const steps = childrenNamed(suite, 'testcase').map((tc) => stepOf(tc, file));
  return {
    info: { name: attr('name') ?? '', file, image, stepCount: steps.length },
    steps,
    durationMs: seconds(attr('time')),
    startedAt: new Date(attr('timestamp') ? `${attr('timestamp')}Z` : NaN),
    properties,
  };
}

const OUTCOMES: Record<string, Outcome> = { failure: 'failed', error: 'error', skipped: 'skipped' };

function stepOf(testcase: XmlElement, file: string): StepResult {
  const problem = (testcase.children ?? []).find((c) => c.name in OUTCOMES);
  const classname = String(testcase.attributes?.classname ?? '');
  const body = problem?.text ?? '';
  const at = /(?:^|\n)at (\S.*:\d+:\d+)\s*$/.exec(body);
  const step: StepResult = {
    name: String(testcase.attributes?.name ?? ''),
    kind: classname.split('.').pop() ?? '',
    outcome: problem ? OUTCOMES[problem.name] : 'passed',
    durationMs: seconds(testcase.attributes?.time),
    location: at?.[1] ?? file,
  };
  const message = problem?.attributes?.message;
  if (message !== undefined) step.message = String(message);
  const details = at ? body.slice(0, at.index).trimEnd() : body;
  if (details && details !== step.message) step.details = details;
  return step;
}

function seconds(value: string | number | undefined): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? Math.round(n * 1000) : 0;
}
