// Package mutants: a regression seeded as a package (package-image.ts) acts where a restored
// guest never looks, at install (maintainer scripts) and at boot (sysctl.d, tmpfiles.d, udev's
// coldplug, unit files, what is enabled). So its image boots cold, and the scenarios on its
// base run on it as `--image` runs them, until a step about behaviour fails that passed in
// the baseline, as for guest-side mutants.
import { runScenarios } from '../runner/run.js';
import type { Scenario } from '../load/scenario.js';
import { ScenarioError } from '../scenario/errors.js';
import { firstThese, StepWatch, type BaseRun } from './guest.js';
import type { PackageMutant } from './package-catalogue.js';
import { mutantImage, PackageMutantError, type ImageRecipe } from './package-image.js';
import { guestVerdict, type Baseline, type Verdict } from './verdict.js';

/** The scenarios a package mutant runs: those for its base image, but those whose guests
 *  add `packages:` (each would need an image of its own derived from the mutant's). */
export function scenariosFor(mutant: PackageMutant, scenarios: Scenario[]): { run: Scenario[]; left: Scenario[] } {
  const onBase = scenarios.filter((s) => s.images.includes(mutant.image));
  const needsPackages = (s: Scenario) => s.guests.some((g) => g.packages.length > 0);
  return { run: onBase.filter((s) => !needsPackages(s)), left: onBase.filter(needsPackages) };
}

/** The baseline as a run on one image names it: a scenario of several images ran there as
 *  "NAME [IMAGE]", and runs on the mutant's image alone as "NAME". */
export function baselineOn(image: string, baseline: Baseline): Baseline {
  const view = new Map(baseline);
  const suffix = ` [${image}]`;
  for (const [key, outcome] of baseline) {
    const [suite, location] = key.split('\u0000');
    if (suite.endsWith(suffix)) view.set(`${suite.slice(0, -suffix.length)}\u0000${location}`, outcome);
  }
  return view;
}

export async function runPackageMutant(
  mutant: PackageMutant,
  scenarios: Scenario[],
  base: BaseRun,
  unmutated: Baseline,
  recipe: ImageRecipe,
  log: (line: string) => void,
): Promise<Verdict> {
  const started = Date.now();
  const side = { side: 'package' as const };
  let image: string;
  try {
    image = (await mutantImage(mutant, base.imagesDir, recipe, log)).name;
  } catch (err) {
    if (!(err instanceof PackageMutantError || err instanceof ScenarioError)) throw err;
    return { name: mutant.name, ...side, outcome: 'error', message: err.message, durationMs: Date.now() - started, buildMs: Date.now() - started };
  }
  const buildMs = Date.now() - started;
  const { run, left } = scenariosFor(mutant, scenarios);
  const watch = new StepWatch(baselineOn(mutant.image, unmutated));
  // Cold: each guest boots the mutant's image itself (a snapshot would be made to be used once).
  const status = await runScenarios({ ...base, scenarios: firstThese(run, mutant.first), images: [image], snapshots: false, reporter: watch, signal: watch.stop.signal });
  if (!watch.seen.length) {
    const message = `no step ran on ${image} (status ${status}${run.length ? '' : `: no scenario is for ${mutant.image}`})`;
    return { name: mutant.name, ...side, outcome: 'error', message, durationMs: Date.now() - started, buildMs };
  }
  const verdict = guestVerdict(mutant.name, watch.seen, baselineOn(mutant.image, unmutated), Date.now() - started);
  const skipped = verdict.outcome === 'caught' || !left.length ? [] : [`not run on the mutant's image (they add packages:): ${left.map((s) => s.name).join(', ')}`];
  return { ...verdict, ...side, buildMs, ...(skipped.length ? { notCatches: [...(verdict.notCatches ?? []), ...skipped] } : {}) };
}
