// What a run is made of: a job per (scenario, image), with the image of each of the
// scenario's guests, planned before anything boots; and the result of a job that never
// started (interrupted, not for its image's versions, no accelerator).
import type { Reporter, ScenarioInfo, ScenarioResult } from '../report/events.js';
import type { Scenario, Step } from '../load/scenario.js';
import { ImageError, ImageNotBuiltError, isBuilt, loadImage, packageProperties, type ImageInfo, type PackageVersions } from '../vm/image.js';
import type { Fault } from '../util/fault.js';
import { conditionsOf } from './condition.js';
import { guestImageName } from './derived-images.js';
import { stepLocation } from './scenario-run.js';

export interface Job {
  scenario: Scenario;
  /** The image the scenario runs on (the matrix's). */
  image: ImageInfo;
  /** Each guest's, in the scenario's order: its own `image:`, or `image`. */
  guestImages: ImageInfo[];
  suiteName: string;
}

/** The image of the guest a step runs on (`on:`; the one guest without it). */
function stepImage(job: Job, step: Step): ImageInfo {
  return job.guestImages[Math.max(0, job.scenario.guests.findIndex((g) => g.name === step.on))];
}

/** The recorded versions a step's `when:` reads before it runs: those of its guest's image. */
export function stepVersions(job: Job, step: Step): PackageVersions {
  return stepImage(job, step).packages;
}

/** Every image a run boots, sorted: each scenario's (or `--image`'s instead) and each guest's own. */
export function imagesNeeded(scenarios: readonly Scenario[], images?: readonly string[]): string[] {
  const names = new Set<string>();
  for (const scenario of scenarios) {
    for (const name of images?.length ? images : scenario.images) names.add(name);
    for (const guest of scenario.guests) if (guest.image) names.add(guest.image);
  }
  return [...names].sort();
}

/** Every image the run boots is built (a derived one's base among them): else nothing is
 *  built or booted, and the error names the command that builds each one missing. */
export async function requireBuilt(options: { scenarios: readonly Scenario[]; imagesDir: string; images?: string[] }): Promise<void> {
  const needed = imagesNeeded(options.scenarios, options.images);
  const built = await Promise.all(needed.map((name) => isBuilt(options.imagesDir, name)));
  const notBuilt = needed.filter((_, i) => !built[i]);
  if (notBuilt.length) throw new ImageNotBuiltError(notBuilt);
}

/** The jobs, their images loaded: call requireBuilt first (runScenarios does, before it
 *  builds the images `packages:` derive). */
export async function planJobs(options: { scenarios: Scenario[]; imagesDir: string; images?: string[] }): Promise<Job[]> {
  const images = new Map<string, ImageInfo>();
  const load = async (name: string) => {
    if (!images.has(name)) images.set(name, await loadImage(options.imagesDir, name));
    return images.get(name)!;
  };
  const jobs: Job[] = [];
  for (const scenario of options.scenarios) {
    const names = options.images?.length ? options.images : scenario.images;
    for (const name of names) {
      const image = await load(name);
      const guestImages = await Promise.all(scenario.guests.map((g) => load(guestImageName(g, name))));
      const suiteName = names.length > 1 ? `${scenario.name} [${name}]` : scenario.name;
      const job = { scenario, image, guestImages, suiteName };
      checkRecordedVersions(job);
      jobs.push(job);
    }
  }
  return jobs;
}

/** A `when:` about a package the image never recorded could only guess: refuse before booting. */
function checkRecordedVersions(job: Job): void {
  const { scenario } = job;
  const read = [
    ...(scenario.when ?? []).map((condition) => ({ condition, image: job.image })),
    ...scenario.steps.flatMap((step) => conditionsOf([step]).map((condition) => ({ condition, image: stepImage(job, step) }))),
  ];
  for (const { condition, image } of read) {
    if (image.packages[condition.package] !== undefined) continue;
    const { file, line, col } = condition.at;
    throw new ImageError(
      `${file}:${line}:${col}: \`when\` names ${condition.package}, whose version image ${image.name} does not record ` +
        `(it records: ${Object.keys(image.packages).join(', ')}); add it to images/debian/package-versions.sh and rebuild`,
    );
  }
}

/** A scenario that never started: with `error`, its first step carries the reason as an
 *  error of that fault's (the accelerator's probe: the host's; the harness failing: its own). */
export function skippedResult(job: Job, reason: string | string[], reporter: Reporter, error?: Fault): ScenarioResult {
  const info: ScenarioInfo = { name: job.suiteName, file: job.scenario.file, image: job.image.name, stepCount: job.scenario.steps.length };
  reporter.onScenarioBegin?.(info);
  const steps = job.scenario.steps.map((step, i) => ({
    name: step.name,
    kind: step.kind,
    location: stepLocation(step),
    ...(error && i === 0 ? { outcome: 'error' as const, fault: error } : { outcome: 'skipped' as const }),
    durationMs: 0,
    message: typeof reason === 'string' ? reason : reason[i],
  }));
  for (const step of steps) reporter.onStepEnd?.(info, step);
  // what the image.json knows, so a compare over images still says which versions these were
  const { image } = job;
  const properties = { image: image.name, distro: `${image.distro} ${image.release}`, 'systemd.version': image.systemdVersion, ...packageProperties(image) };
  const result: ScenarioResult = { info, steps, durationMs: 0, startedAt: new Date(), properties };
  reporter.onScenarioEnd?.(result);
  return result;
}

