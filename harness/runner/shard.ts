// `--shard I/N`: which scenarios this machine runs. Deterministic (the same inputs give
// every shard the same plan, so N machines agree without talking), and balanced: greedy
// longest-first into the lightest shard (LPT scheduling), weighing each scenario by how
// long it took in an earlier JUnit report when one is given, else by its step count.
import type { Scenario } from '../load/scenario.js';
import { JUnitReadError, readJUnitFile, readSuite } from '../report/junit-read.js';

export interface Shard {
  index: number; // 1-based
  total: number;
}

/** `2/3` → { index: 2, total: 3 }; throws saying what a good value looks like. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index < 1 || index > total) {
    throw new Error(`--shard must be I/N with 1 <= I <= N (e.g. 1/4), got "${text}"`);
  }
  return { index, total };
}

/** Seconds per testsuite name, from an earlier report (`--shard-durations FILE`). */
export async function readDurations(file: string): Promise<Map<string, number>> {
  let suites;
  try {
    suites = await readJUnitFile(file);
  } catch (err) {
    if (err instanceof JUnitReadError) throw new Error(`--shard-durations: ${err.message}`);
    throw err;
  }
  const durations = new Map<string, number>();
  for (const { name, durationMs } of suites.map(readSuite)) durations.set(name, (durations.get(name) ?? 0) + durationMs / 1000);
  return durations;
}

/** How heavy each scenario is: its suites' earlier seconds, or an estimate from its steps. */
export function scenarioWeights(scenarios: Scenario[], durations?: Map<string, number>, imageCount?: (s: Scenario) => number): number[] {
  const images = imageCount ?? ((s: Scenario) => s.images.length);
  // A suite runs once per image; with several images its name carries the image: "name [image]".
  const known = scenarios.map((s) => {
    if (!durations) return undefined;
    const times = [...durations].filter(([suite]) => suite === s.name || suite.startsWith(`${s.name} [`)).map(([, t]) => t);
    return times.length ? times.reduce((a, b) => a + b, 0) : undefined;
  });
  // A scenario the earlier report lacks (a new one) is guessed at the known seconds per step.
  let perStep = 1;
  const knownSteps = scenarios.reduce((n, s, i) => n + (known[i] !== undefined ? s.steps.length * images(s) : 0), 0);
  const knownTime = known.reduce<number>((n, t) => n + (t ?? 0), 0);
  if (knownSteps > 0 && knownTime > 0) perStep = knownTime / knownSteps;
  return scenarios.map((s, i) => known[i] ?? s.steps.length * images(s) * perStep);
}

/** Indices of the scenarios in each shard, each list in the scenarios' own order. */
export function planShards(weights: number[], names: string[], total: number): number[][] {
  const order = weights.map((_, i) => i).sort((a, b) => weights[b] - weights[a] || (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b));
  const load = new Array<number>(total).fill(0);
  const shards: number[][] = Array.from({ length: total }, () => []);
  for (const i of order) {
    let lightest = 0;
    for (let s = 1; s < total; s++) if (load[s] < load[lightest]) lightest = s;
    shards[lightest].push(i);
    load[lightest] += weights[i];
  }
  return shards.map((shard) => shard.sort((a, b) => a - b));
}

/** The scenarios of shard `shard.index` of `shard.total`. */
export function selectShard(scenarios: Scenario[], shard: Shard, durations?: Map<string, number>, imageCount?: (s: Scenario) => number): Scenario[] {
  const weights = scenarioWeights(scenarios, durations, imageCount);
  const plan = planShards(weights, scenarios.map((s) => s.name), shard.total);
  return plan[shard.index - 1].map((i) => scenarios[i]);
}
