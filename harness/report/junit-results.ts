// A JUnit report read back as the results the reporters consume, so a merged report of
// shards can get the same Markdown summary as one run (`harness merge --markdown FILE`).
// Only what the report holds comes back: names, outcomes, messages, times, and the
// step's place from the "at FILE:LINE:COL" line the JUnit reporter ends each problem with.
import { countOutcomes, passedOnRetry, type RunSummary, type ScenarioResult, type StepResult } from './events.js';
import { readSuite, type ReadTestcase } from './junit-read.js';
import type { XmlElement } from './xml.js';

export function resultsFromSuites(suites: XmlElement[]): { results: ScenarioResult[]; summary: RunSummary } {
  const results = suites.map(resultOf);
  const summary: RunSummary = { ...countOutcomes(results.flatMap((r) => r.steps)), flaky: results.filter(passedOnRetry).length, durationMs: 0 };
  for (const result of results) {
    summary.durationMs += result.durationMs;
    if (result.properties.interrupted !== undefined) summary.interrupted ??= result.properties.interrupted;
  }
  return { results, summary };
}

function resultOf(element: XmlElement): ScenarioResult {
  const suite = readSuite(element);
  const image = suite.properties.image ?? suite.package.split('.').pop() ?? '';
  const steps = suite.testcases.map((testcase) => stepOf(testcase, suite.file));
  return {
    info: { name: suite.name, file: suite.file, image, stepCount: steps.length },
    steps,
    durationMs: suite.durationMs,
    startedAt: new Date(suite.timestamp ? `${suite.timestamp}Z` : NaN),
    properties: suite.properties,
  };
}

function stepOf(testcase: ReadTestcase, file: string): StepResult {
  const body = testcase.problemText;
  const at = /(?:^|\n)at (\S.*:\d+:\d+)\s*$/.exec(body);
  const step: StepResult = {
    name: testcase.name,
    kind: testcase.kind,
    outcome: testcase.outcome,
    durationMs: testcase.durationMs,
    location: at?.[1] ?? file,
  };
  if (testcase.message !== undefined) step.message = testcase.message;
  const details = at ? body.slice(0, at.index).trimEnd() : body;
  if (details && details !== step.message) step.details = details;
  return step;
}
