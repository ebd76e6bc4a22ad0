// The comparison of several runs of the same scenarios (one per image, or one per report),
// built once and rendered as text, Markdown or HTML. Pure: the readers bring the suites in.
import type { Outcome, ScenarioResult } from '../report/events.js';
import type { Observation } from '../report/observed.js';
import { diffObservations, type ObservedChange } from './diff.js';

/** One testsuite as the comparison needs it, from a JUnit file or from a run in memory. */
export interface ComparedSuite {
  /** The scenario's name, without the ` [image]` a matrix run appends. */
  scenario: string;
  image: string;
  /** The report it came from (a file name), or undefined for a run in memory. */
  source?: string;
  /** The scenario file, as the report names it. */
  file?: string;
  properties: Record<string, string>;
  durationMs: number;
  steps: ComparedStep[];
}

export interface ComparedStep {
  name: string;
  kind: string;
  outcome: Outcome;
  message?: string;
  durationMs: number;
  observed?: Observation;
}

/** A column of the grid: one image in one report. */
export interface Column {
  image: string;
  source?: string;
  systemdVersion?: string;
  /** "debian-trixie (systemd 257)", plus the report's name where two columns share an image. */
  label: string;
}

/** A step in one column. Absent: the scenario ran there, this step did not. */
export interface Cell {
  outcome: Outcome | 'absent';
  message?: string;
  observed?: Observation;
  durationMs: number;
  /** Differs from the nearest column to its left that ran the scenario. */
  changed: boolean;
}

/** What the guest showed differently between two neighbouring columns. */
export interface ObservationChange {
  from: number;
  to: number;
  changes: ObservedChange[];
}

export interface StepRow {
  scenario: string;
  name: string;
  kind: string;
  /** Index = column; undefined where the scenario did not run on that column at all. */
  cells: Array<Cell | undefined>;
  outcomeChanged: boolean;
  observationChanges: ObservationChange[];
}

export interface TimingChange {
  scenario: string;
  /** Like with like: `steps` the steps and setup (the scenario without its guest's start),
   *  `guest start` only between guests of the same origin, `boot` a cold boot to SSH each;
   *  `scenario` the whole, only for reports that do not say how the guest started. */
  what: 'scenario' | 'steps' | 'guest start' | 'boot';
  /** For `guest start`: how both guests came to be (cold boot, snapshot restored, …). */
  origin?: string;
  from: number;
  to: number;
  beforeMs: number;
  afterMs: number;
}

export interface ScenarioRows {
  name: string;
  /** Its scenario file, as the first report naming one has it. */
  file?: string;
  /** Which columns ran it. */
  ranOn: boolean[];
  steps: StepRow[];
}

/** A suite property that says what ran (systemd, kernel, a package), where columns differ. */
export interface EnvironmentRow {
  name: string;
  values: Array<string | undefined>;
}

export interface Comparison {
  columns: Column[];
  /** What differs in what ran: the context for every change below it. */
  environment: EnvironmentRow[];
  scenarios: ScenarioRows[];
  /** (a) steps whose outcome differs between columns. */
  outcomeChanges: StepRow[];
  /** (b) steps with the same outcome everywhere whose observation changed. */
  observationChanges: StepRow[];
  /** (c) scenario and boot times whose ratio is notable. */
  timingChanges: TimingChange[];
  /** Steps compared (present in at least two columns) and how many of them changed nothing. */
  comparedSteps: number;
  unchangedSteps: number;
}

/** A time is listed when it grew or shrank by this factor and by at least MIN_TIMING_DELTA_MS:
 *  under TCG on a shared host, smaller swings are noise. */
export const NOTABLE_RATIO = 1.5;
export const MIN_TIMING_DELTA_MS = 2000;

export function buildComparison(suites: ComparedSuite[]): Comparison {
  const columns = columnsOf(suites);
  const columnOf = (suite: ComparedSuite) => columns.findIndex((c) => c.image === suite.image && c.source === suite.source);

  const byScenario = new Map<string, Array<ComparedSuite | undefined>>();
  for (const suite of suites) {
    const row = byScenario.get(suite.scenario) ?? new Array<ComparedSuite | undefined>(columns.length).fill(undefined);
    // A scenario twice on one column (a report with duplicate suites): the first counts.
    const index = columnOf(suite);
    row[index] ??= suite;
    byScenario.set(suite.scenario, row);
  }

  const scenarios: ScenarioRows[] = [];
  const timingChanges: TimingChange[] = [];
  for (const [name, perColumn] of byScenario) {
    const file = perColumn.find((s) => s?.file)?.file;
    scenarios.push({ name, ...(file ? { file } : {}), ranOn: perColumn.map((s) => s !== undefined), steps: stepRows(name, perColumn) });
    timingChanges.push(...timingsOf(name, perColumn));
  }
  const rows = scenarios.flatMap((s) => s.steps);
  const compared = rows.filter((row) => row.cells.filter(Boolean).length >= 2);
  const outcomeChanges = compared.filter((row) => row.outcomeChanged);
  const observationChanges = compared.filter((row) => !row.outcomeChanged && row.observationChanges.length > 0);
  return {
    columns,
    environment: environmentOf(suites, columns, columnOf),
    scenarios,
    outcomeChanges,
    observationChanges,
    timingChanges,
    comparedSteps: compared.length,
    unchangedSteps: compared.length - outcomeChanges.length - observationChanges.length,
  };
}

/** The suites of one matrix run in memory, ready for buildComparison. */
export function suitesFromResults(results: ScenarioResult[]): ComparedSuite[] {
  return results.map((result) => ({
    scenario: scenarioName(result.info.name, result.info.image),
    image: result.info.image,
    properties: result.properties,
    durationMs: result.durationMs,
    steps: result.steps.map((step) => ({
      name: step.name,
      kind: step.kind,
      outcome: step.outcome,
      message: step.message,
      durationMs: step.durationMs,
      observed: step.observed,
    })),
  }));
}

/** "X [image]" is scenario X on that image (the runner's name for a matrix run's suites). */
export function scenarioName(suiteName: string, image: string): string {
  const suffix = ` [${image}]`;
  return suiteName.endsWith(suffix) ? suiteName.slice(0, -suffix.length) : suiteName;
}

function columnsOf(suites: ComparedSuite[]): Column[] {
  const columns: Column[] = [];
  for (const suite of suites) {
    const known = columns.find((c) => c.image === suite.image && c.source === suite.source);
    // a suite of several guests says its versions per guest (guest.NAME.…): another suite says the column's
    if (known) known.systemdVersion ??= suite.properties['systemd.version'];
    else columns.push({ image: suite.image, source: suite.source, systemdVersion: suite.properties['systemd.version'], label: '' });
  }
  for (const column of columns) {
    const version = column.systemdVersion ? ` (systemd ${column.systemdVersion})` : '';
    const shared = columns.filter((c) => c.image === column.image).length > 1;
    column.label = `${column.image}${version}${shared && column.source ? ` · ${column.source}` : ''}`;
  }
  return columns;
}

/** Properties that name what ran, as opposed to how (cpu, memory) or how long (boot.ms). */
const ENVIRONMENT_PROPERTY = /^(distro|systemd\.full|kernel\.release|qemu\.version|accel|package\..+)$/;

function environmentOf(suites: ComparedSuite[], columns: Column[], columnOf: (suite: ComparedSuite) => number): EnvironmentRow[] {
  const perColumn = columns.map(() => new Map<string, string>());
  for (const suite of suites) {
    const seen = perColumn[columnOf(suite)];
    for (const [name, value] of Object.entries(suite.properties)) if (ENVIRONMENT_PROPERTY.test(name) && !seen.has(name)) seen.set(name, value);
  }
  const names = [...new Set(perColumn.flatMap((m) => [...m.keys()]))];
  return names
    .map((name) => ({ name, values: perColumn.map((m) => m.get(name)) }))
    .filter((row) => new Set(row.values).size > 1);
}

/** Steps pair by name; a name used twice in a scenario pairs by its occurrence. */
function stepRows(scenario: string, perColumn: Array<ComparedSuite | undefined>): StepRow[] {
  const keyed = perColumn.map((suite) => (suite ? keySteps(suite.steps) : undefined));
  const order: string[] = [];
  for (const steps of keyed) for (const key of steps?.keys() ?? []) if (!order.includes(key)) order.push(key);

  return order.map((key) => {
    const found = keyed.map((steps) => steps?.get(key));
    const first = found.find(Boolean)!;
    const cells: Array<Cell | undefined> = keyed.map((steps, i) => {
      if (!steps) return undefined;
      const step = found[i];
      if (!step) return { outcome: 'absent', durationMs: 0, changed: false };
      return { outcome: step.outcome, message: step.message, observed: step.observed, durationMs: step.durationMs, changed: false };
    });
    const observationChanges: ObservationChange[] = [];
    let previous: number | undefined;
    cells.forEach((cell, i) => {
      if (!cell) return;
      if (previous !== undefined) {
        const before = cells[previous]!;
        const changes = before.observed && cell.observed ? diffObservations(before.observed, cell.observed) : [];
        if (changes.length) observationChanges.push({ from: previous, to: i, changes });
        cell.changed = cell.outcome !== before.outcome || changes.length > 0;
      }
      previous = i;
    });
    const outcomes = new Set(cells.filter((c): c is Cell => c !== undefined).map((c) => c.outcome));
    return { scenario, name: first.name, kind: first.kind, cells, outcomeChanged: outcomes.size > 1, observationChanges };
  });
}

function keySteps(steps: ComparedStep[]): Map<string, ComparedStep> {
  const seen = new Map<string, number>();
  const keyed = new Map<string, ComparedStep>();
  for (const step of steps) {
    const n = (seen.get(step.name) ?? 0) + 1;
    seen.set(step.name, n);
    keyed.set(n === 1 ? step.name : `${step.name} #${n}`, step);
  }
  return keyed;
}

/** Times of a scenario, between each column and the nearest one to its left that ran it,
 *  like with like: a guest restored from a snapshot against one booted cold to make the
 *  snapshot is no slowdown of the scenario, so the guest's start is compared only between
 *  the same origins, and the rest (setup and steps) on its own. */
function timingsOf(scenario: string, perColumn: Array<ComparedSuite | undefined>): TimingChange[] {
  const changes: TimingChange[] = [];
  let previous: number | undefined;
  perColumn.forEach((suite, i) => {
    if (!suite) return;
    if (previous !== undefined) {
      const before = perColumn[previous]!;
      const pairs: Array<[TimingChange['what'], number, number]> = [['boot', Number(before.properties['boot.ms']), Number(suite.properties['boot.ms'])]];
      const [startBefore, startAfter] = [before, suite].map((s) => Number(s.properties['guest.ready.ms']));
      if (startBefore >= 0 && startAfter >= 0) {
        pairs.push(['steps', before.durationMs - startBefore, suite.durationMs - startAfter]);
        if (before.properties['guest.origin'] === suite.properties['guest.origin']) pairs.push(['guest start', startBefore, startAfter]);
      } else if (!('guest.ready.ms' in before.properties) && !('guest.ready.ms' in suite.properties)) {
        pairs.push(['scenario', before.durationMs, suite.durationMs]);
      }
      for (const [what, beforeMs, afterMs] of pairs) {
        if (!isNotable(beforeMs, afterMs)) continue;
        changes.push({ scenario, what, from: previous, to: i, beforeMs, afterMs, ...(what === 'guest start' ? { origin: suite.properties['guest.origin'] } : {}) });
      }
    }
    previous = i;
  });
  return changes;
}

export function isNotable(beforeMs: number, afterMs: number): boolean {
  if (!(beforeMs > 0) || !(afterMs > 0)) return false;
  const ratio = afterMs / beforeMs;
  return Math.abs(afterMs - beforeMs) >= MIN_TIMING_DELTA_MS && (ratio >= NOTABLE_RATIO || ratio <= 1 / NOTABLE_RATIO);
}
