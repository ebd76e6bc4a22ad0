// What became of one mutant, and the table and JUnit report of a whole catalogue run.
// A guest-side mutant is caught by a confirmed catch only: a step about behaviour that
// failed (the guest's doing, never an error) under the mutant and passed in the unmutated
// baseline run. A step red there too, or one the baseline never ran, proves nothing.
import type { Outcome, RunSummary, ScenarioResult, StepResult } from '../report/events.js';
import { firstLine } from '../util/errors.js';

/** A step that caught a mutant: it failed under it and passed in the baseline. */
export interface Catch {
  /** The testsuite (scenario) name. */
  scenario: string;
  step: string;
  /** FILE:LINE:COL of the step. */
  location: string;
  message?: string;
}

export interface Verdict {
  name: string;
  side: 'guest' | 'package' | 'harness';
  outcome: 'caught' | 'missed' | 'error';
  /** caught, harness side: the test file(s); error: what went wrong. */
  by?: string;
  message?: string;
  /** caught, guest side: the confirmed catches, each named. */
  catches?: Catch[];
  /** Red steps that were no catch, and why (red in the baseline too, an error, a read-back). */
  notCatches?: string[];
  /** The whole time: for a package mutant, its image's build (or the look that found it
   *  current) and then the run. */
  durationMs: number;
  /** A package mutant's share of durationMs that went to its image. */
  buildMs?: number;
}

/** Each step's outcome in the unmutated baseline run, by stepKey. */
export type Baseline = ReadonlyMap<string, Outcome>;

/** A step of a scenario run, the same in the baseline and under a mutant (the overlay keeps
 *  the scenario's name and its steps' places). */
export function stepKey(scenario: string, location: string): string {
  return `${scenario}\u0000${location}`;
}

/** Steps that only read settings back: a systemd that stops enforcing one still reports it. */
const READ_BACK_KINDS = new Set(['unit']);

/** The catch a step of a mutant's run makes, or why it makes none (undefined: it is not red). */
export function judgeStep(scenario: string, step: StepResult, baseline: Baseline): { catch: Catch } | { not: string } | undefined {
  if (step.outcome !== 'failed' && step.outcome !== 'error') return undefined;
  const where = `${scenario} › ${step.name} (${step.location})`;
  if (step.fault !== 'guest') return { not: `${where}: an error, not a failure: ${firstLine(step.message ?? '')}` };
  if (READ_BACK_KINDS.has(step.kind)) return { not: `${where}: only a read-back` };
  const before = baseline.get(stepKey(scenario, step.location));
  if (before !== 'passed') return { not: `${where}: ${before ? `${before === 'skipped' ? 'skipped' : 'red'} without the mutant too` : 'not in the baseline run'}, so nothing confirms it` };
  return { catch: { scenario, step: step.name, location: step.location, ...(step.message !== undefined ? { message: step.message } : {}) } };
}

/** A guest-side mutant's verdict from the steps its run saw: caught by the confirmed catches;
 *  else an error when an error kept a step from judging it; else missed. A package mutant's
 *  is reached the same way (package.ts sets its side). */
export function guestVerdict(name: string, seen: { scenario: string; step: StepResult }[], baseline: Baseline, durationMs: number): Verdict {
  const judged = seen.flatMap(({ scenario, step }) => {
    const judgement = judgeStep(scenario, step, baseline);
    return judgement ? [{ step, ...judgement }] : [];
  });
  const catches = judged.flatMap((j) => ('catch' in j ? [j.catch] : []));
  const notCatches = judged.flatMap((j) => ('not' in j ? [j.not] : []));
  const verdict = { name, side: 'guest' as const, durationMs, ...(notCatches.length ? { notCatches } : {}) };
  if (catches.length) return { ...verdict, outcome: 'caught', catches, by: describeCatch(catches[0]), message: catches[0].message };
  const error = judged.find((j) => j.step.outcome === 'error');
  if (error && 'not' in error) return { ...verdict, outcome: 'error', message: error.not };
  const readBack = judged.find((j) => READ_BACK_KINDS.has(j.step.kind));
  if (readBack && 'not' in readBack) return { ...verdict, outcome: 'missed', message: `only a read-back went red: ${readBack.not}` };
  return { ...verdict, outcome: 'missed', ...(notCatches.length ? { message: `no confirmed catch: ${notCatches.join('; ')}` } : {}) };
}

function describeCatch(c: Catch): string {
  return `${c.scenario} › ${c.step} (${c.location}), confirmed (it passed unmutated)`;
}

export function renderTable(verdicts: Verdict[]): string {
  const rows = verdicts.map((v) => [v.side, v.name, v.outcome === 'caught' ? 'caught' : v.outcome.toUpperCase(), timeCell(v), describe(v)]);
  const header = ['side', 'mutant', 'verdict', 'time', 'caught by (a step confirmed green unmutated, or the tests) and its message'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i < 4 ? r[i].length : 0))));
  const line = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "412 s", and for a package mutant "412 s (build 190 s, run 222 s)". */
function timeCell(v: Verdict): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  return v.buildMs === undefined ? s(v.durationMs) : `${s(v.durationMs)} (build ${s(v.buildMs)}, run ${s(v.durationMs - v.buildMs)})`;
}

export function score(verdicts: Verdict[], side?: Verdict['side']): string {
  const of = verdicts.filter((v) => !side || v.side === side);
  const caught = of.filter((v) => v.outcome === 'caught').length;
  const percent = of.length ? Math.floor((100 * caught) / of.length) : 100;
  return `${side ? `${side}-side: ` : ''}${caught} of ${of.length} caught (${percent} %)`;
}

function describe(v: Verdict): string {
  const message = v.message ? oneLine(v.message) : '';
  if (v.outcome === 'caught') return `${v.by ?? ''}${message ? `: ${message}` : ''}`;
  if (v.outcome === 'missed') return message || 'no step went red';
  return message;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 110 ? `${line.slice(0, 109)}…` : line;
}

/** What a mutant's testcase keeps in its system-out, so CI has the record: each catching
 *  step (scenario, step, place, message, and that the baseline confirmed it), or the tests
 *  that caught a harness-side one; then every red step that was no catch, and why. */
function record(v: Verdict): string | undefined {
  const lines = (v.catches ?? []).flatMap((c) => [
    `caught by: ${c.scenario} › ${c.step}`,
    `at: ${c.location}`,
    'confirmed: the same step passed in the unmutated baseline run',
    ...(c.message !== undefined ? [`failure: ${c.message}`] : []),
    '',
  ]);
  if (v.buildMs !== undefined) lines.push(`image: ${(v.buildMs / 1000).toFixed(0)} s to build (or find built); run: ${((v.durationMs - v.buildMs) / 1000).toFixed(0)} s`, '');
  if (v.side === 'harness' && v.outcome === 'caught') lines.push(`caught by: ${v.by ?? ''}`, ...(v.message ? [`failing test: ${v.message}`] : []), '');
  if (v.notCatches?.length) lines.push('red, but no catch:', ...v.notCatches.map((n) => `  ${n}`));
  const text = lines.join('\n').trimEnd();
  return text ? `${text}\n` : undefined;
}

/** One testsuite per side, one testcase per mutant: passed when caught; `properties` adds
 *  to a side's testsuite (the guest side's baseline). */
export function verdictResults(verdicts: Verdict[], catalogue: string, properties: Partial<Record<Verdict['side'], Record<string, string>>> = {}): ScenarioResult[] {
  const sides = [...new Set(verdicts.map((v) => v.side))];
  return sides.map((side) => {
    const mine = verdicts.filter((v) => v.side === side);
    return {
      info: { name: `mutants (${side}-side)`, file: catalogue, image: '', stepCount: mine.length },
      steps: mine.map((v) => ({
        name: v.name,
        kind: 'mutant',
        location: catalogue,
        outcome: v.outcome === 'caught' ? ('passed' as const) : v.outcome === 'missed' ? ('failed' as const) : ('error' as const),
        durationMs: v.durationMs,
        message: v.outcome === 'missed' ? `MISSED: ${describe(v)}` : describe(v),
        output: record(v),
      })),
      durationMs: mine.reduce((n, v) => n + v.durationMs, 0),
      startedAt: new Date(),
      properties: { score: score(mine), ...properties[side] },
    };
  });
}

export function verdictSummary(verdicts: Verdict[], durationMs: number): RunSummary {
  const count = (outcome: Verdict['outcome']) => verdicts.filter((v) => v.outcome === outcome).length;
  return { passed: count('caught'), failed: count('missed'), errors: count('error'), skipped: 0, durationMs };
}
