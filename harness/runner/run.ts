// A whole run: resolve images and the accelerator up front (nothing boots if one is
// missing), run each (scenario, image) pair on a small pool of workers, and turn
// Ctrl-C / SIGTERM into stopped VMs, a written report and the conventional exit status.
import os from 'node:os';
import { countOutcomes, passedOnRetry, type Reporter, type RunSummary, type ScenarioInfo, type ScenarioResult } from '../report/events.js';
import { guarded } from '../report/multiplexer.js';
import type { Accel } from '../scenario/types.js';
import type { Scenario } from '../load/scenario.js';
import { chooseAccel, verdictFileIn, type AccelChoice } from '../vm/accel.js';
import { derivedImagesNeeded, ImageBuildError, type BuildImage } from './derived-images.js';
import { budgetProblem, HOST_RESERVE_MIB, QEMU_OVERHEAD_MIB, type GuestMemory } from './guest-budget.js';
import { ImageError, ImageNotBuiltError } from '../vm/image.js';
import { stopAllMachines } from '../vm/machine.js';
import { closeAllNetworks, type PrivateNetwork } from '../vm/private-network.js';
import { SnapshotCache } from '../vm/snapshot-cache.js';
import { sweepStaleWorkDirs } from '../vm/workdir.js';
import { conditionMiss, stepForVersions } from './condition.js';
import { planJobs, requireBuilt, skippedResult, stepVersions, type Job } from './jobs.js';
import { ColdBoot, SnapshotRestore, stopReady, type GuestSource, type KeptGuest } from './guest-source.js';
import { sshCommand } from './ssh-command.js';
import { shellCommand } from '../util/quote.js';
import { runScenario } from './scenario-run.js';
import { describeError } from '../util/errors.js';
import { retryable } from '../util/fault.js';
import { trace } from '../util/trace.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, infrastructure: 3 } as const;

export interface RunOptions {
  scenarios: Scenario[];
  imagesDir: string;
  reporter: Reporter;
  artifactsDir: string;
  /** Overrides every scenario's image list (`--image a,b`). */
  images?: string[];
  /** Builds the images guests' `packages:` derive (the CLI's runs images/build-if-needed.sh). */
  buildImage?: BuildImage;
  /** Overrides every scenario's vm.accel. */
  accel?: Accel;
  workers?: number;
  /** Reruns of a scenario that ended in an error of the host's (QEMU, the boot, the first
   *  SSH connection, a snapshot): never after a failure, nor what the guest did to itself. */
  retries?: number;
  bootDeadlineMs?: number;
  /** On a failure, save the guest as a bundle for `harness repro`. */
  saveFailure?: boolean;
  /** On a failure, leave its guest running and wait, printing how to get in (`--keep-on-failure`). */
  keepOnFailure?: boolean;
  /** false: every scenario boots cold (`--no-snapshot`). */
  snapshots?: boolean;
  /** Where snapshots are kept (default: the user's cache folder). */
  cache?: SnapshotCache;
  /** Print a line of its own (accelerator choice, sweeps); defaults to stderr. */
  log?: (line: string) => void;
  /** Stops the run as Ctrl-C does, without the exit status of a signal (e.g. `harness
   *  mutants` once a mutant is caught): running scenarios stop, the rest are not run. */
  signal?: AbortSignal;
}

const MAX_DEFAULT_WORKERS = 8;
const SIGNAL_STATUS: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export async function runScenarios(options: RunOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  // a reporter that throws is logged and passed over: it costs no scenario and no report
  const reporter = guarded(options.reporter, log);
  options = { ...options, reporter };
  const started = Date.now();
  for (const stale of await sweepStaleWorkDirs()) log(`removed ${stale}, left behind by a harness that no longer runs`);
  const cache = options.cache ?? new SnapshotCache();
  const guests: GuestSource = options.snapshots === false ? new ColdBoot() : new SnapshotRestore(cache);
  if (options.snapshots !== false) {
    for (const stale of await cache.sweepTemp()) log(`removed snapshot ${stale}, left half-made by a harness that no longer runs`);
  }

  let jobs: Job[];
  trace('run begins');
  try {
    // the images guests' `packages:` derive, each built once before anything boots, and
    // only once their bases are known to be there
    await requireBuilt(options);
    for (const derived of derivedImagesNeeded(options.scenarios, options.images)) await options.buildImage?.(derived);
    jobs = await planJobs(options);
    trace('scenarios and images loaded');
  } catch (err) {
    if (!(err instanceof ImageError)) throw err;
    log(`error: ${err.message}`);
    await options.reporter.onRunEnd?.([], emptySummary(Date.now() - started, err.message));
    // an image nobody built, or a package the release lacks, is the set-up's to mend, like a
    // bad scenario; a broken image is not
    const byScenario = err instanceof ImageNotBuiltError || (err instanceof ImageBuildError && err.byScenario);
    return byScenario ? EXIT.usage : EXIT.infrastructure;
  }

  const abort = new AbortController();
  let signalStatus: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      // a second Ctrl-C: the user wants out now; still no VM may outlive us
      void Promise.all([stopAllMachines(), closeAllNetworks()]).finally(() => process.exit(SIGNAL_STATUS[signal] ?? 1));
      return;
    }
    signalStatus = SIGNAL_STATUS[signal] ?? 1;
    log(`\n${signal}: stopping every VM and writing the report (again to force)`);
    abort.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onStop = () => abort.abort(options.signal!.reason);
  if (options.signal?.aborted) onStop();
  options.signal?.addEventListener('abort', onStop, { once: true });

  const results: ScenarioResult[] = [];
  const kept: KeptGuest[] = [];
  const keptNetworks: PrivateNetwork[] = [];
  try {
    const infos: ScenarioInfo[] = jobs.map((j) => ({ name: j.suiteName, file: j.scenario.file, image: j.image.name, stepCount: j.scenario.steps.length }));
    options.reporter.onRunBegin?.(infos);
    const accelFor = accelResolver(options.accel, log, verdictFileIn(cache.root));
    const workers = options.workers ?? defaultWorkers(jobs);
    // before any guest of ours runs: what a scenario's guests may take at once, at most
    const freeMiBAtStart = os.freemem() / 1024 ** 2;
    if (options.workers === undefined && jobs.length > 1) log(`workers: ${workers} (${os.availableParallelism()} cores, ${(os.freemem() / 1024 ** 3).toFixed(1)} GiB free)`);
    const runJob = async (job: Job): Promise<ScenarioResult> => {
      if (abort.signal.aborted) {
        return skippedResult(job, `not run: interrupted (${String(abort.signal.reason)})`, options.reporter);
      }
      // the scenario, or every step of it, is for other versions: nothing to boot a guest for
      const notForImage = job.scenario.when && conditionMiss(job.scenario.when, job.image.packages);
      if (notForImage) return skippedResult(job, `${notForImage} (the scenario's \`when:\`)`, options.reporter);
      const versionSkips = job.scenario.steps.map((step) => stepForVersions(step, stepVersions(job, step)));
      if (versionSkips.every((s) => 'skip' in s)) {
        return skippedResult(job, versionSkips.map((s) => ('skip' in s ? s.skip : '')), options.reporter);
      }
      const overBudget = budgetProblem(guestMemoryOf(job), freeMiBAtStart);
      if (overBudget) return skippedResult(job, overBudget, options.reporter, 'host');
      let accel: AccelChoice;
      try {
        // one accelerator for all of a scenario's guests: the first that asks for one
        accel = await accelFor(job.scenario.guests.find((g) => g.vm.accel)?.vm.accel ?? 'auto', job.image.kernel);
        trace(`accelerator chosen: ${accel.accel}`);
      } catch (err) {
        return skippedResult(job, `not run: ${(err as Error).message}`, options.reporter, 'host');
      }
      const attempt = (attempt: number) =>
        runScenario({
          attempt,
          scenario: job.scenario,
          image: job.image,
          guestImages: job.guestImages,
          suiteName: job.suiteName,
          accel,
          guests,
          log,
          saveFailure: options.saveFailure,
          keepFailed: options.keepOnFailure
            ? (guests, network) => {
                for (const guest of guests) guest.ready.machine.keepRunning();
                kept.push(...guests);
                network?.keep();
                if (network) keptNetworks.push(network);
              }
            : undefined,
          reporter: options.reporter,
          signal: abort.signal,
          artifactsDir: options.artifactsDir,
          bootDeadlineMs: options.bootDeadlineMs,
        });
      let result = await attempt(1);
      for (let retry = 1; retry <= (options.retries ?? 0) && shouldRetry(result) && !abort.signal.aborted; retry++) {
        log(`retrying "${job.suiteName}" after an error of the host's, not the guest's (retry ${retry} of ${options.retries})`);
        result = withEarlierAttempt(await attempt(retry + 1), result);
      }
      return result;
    };
    await runPool(jobs, workers, (job) => job.scenario.guests.length, async (job) => {
      try {
        results.push(await runJob(job));
      } catch (err) {
        // a fault of the harness itself: this job's error, not the end of the other jobs or of the report
        results.push(skippedResult(job, `not run to the end: the harness failed: ${describeError(err)}`, options.reporter, 'harness'));
      }
    });
  } finally {
    await Promise.all([stopAllMachines(), closeAllNetworks()]);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.signal?.removeEventListener('abort', onStop);
  }

  const order = new Map(jobs.map((j, i) => [j.suiteName, i]));
  results.sort((a, b) => (order.get(a.info.name) ?? 0) - (order.get(b.info.name) ?? 0));
  const summary = summarize(results, Date.now() - started, abort.signal.aborted ? `interrupted by ${String(abort.signal.reason)}` : undefined);
  await options.reporter.onRunEnd?.(results, summary);
  if (kept.length) await holdKeptGuests(kept, keptNetworks, log);
  if (signalStatus !== undefined) return signalStatus;
  if (summary.failed > 0) return EXIT.failed;
  if (summary.errors > 0) return EXIT.infrastructure;
  return EXIT.ok;
}

/** The accelerator for a scenario: the CLI's choice wins, the probe runs once. */
function accelResolver(cliAccel: Accel | undefined, log: (line: string) => void, verdictFile: string) {
  const announced = new Set<string>();
  return async (scenarioAccel: Accel, kernel: string): Promise<AccelChoice> => {
    const choice = await chooseAccel(cliAccel ?? scenarioAccel, { kernel, verdictFile });
    if (!announced.has(choice.reason)) {
      announced.add(choice.reason);
      log(`accelerator: ${choice.accel} (${choice.reason})`);
    }
    return choice;
  };
}

/** Leaves failed guests running for a person to look into, on their private networks, until
 *  Ctrl-C or SIGTERM; then stops them and closes the networks. */
async function holdKeptGuests(kept: KeptGuest[], networks: PrivateNetwork[], log: (line: string) => void): Promise<void> {
  for (const { ready, suiteName, image } of kept) {
    log(`\nkept "${suiteName}" running; get in with:\n  ${shellCommand(await sshCommand(ready.machine, ready.guest, image))}`);
  }
  log(`\nstop ${kept.length === 1 ? 'it' : 'them'} with Ctrl-C here, or: kill ${process.pid}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  for (const { ready } of kept) {
    await stopReady(ready);
  }
  await Promise.all(networks.map((network) => network.close()));
}

/** As many guests at once as the cores can run and free memory can hold (a guest takes
 *  its memory plus about half a GiB of QEMU's own), leaving 2 GiB to the host. */
export function defaultWorkers(jobs: Pick<Job, 'scenario' | 'guestImages'>[]): number {
  // a worker is a guest (a scenario with several takes as many, see runPool)
  const memoryMiB = Math.max(0, ...jobs.flatMap((j) => guestMemoryOf(j).map((g) => g.memoryMiB)));
  const byMemory = Math.floor((os.freemem() / 1024 ** 2 - HOST_RESERVE_MIB) / (memoryMiB + QEMU_OVERHEAD_MIB));
  return Math.max(1, Math.min(os.availableParallelism(), byMemory, MAX_DEFAULT_WORKERS));
}

/** Each guest of a job and the memory it boots with: its scenario's `vm.memory`, else its image's. */
function guestMemoryOf(job: Pick<Job, 'scenario' | 'guestImages'>): GuestMemory[] {
  return job.scenario.guests.map((g, i) => ({ name: g.name, memoryMiB: g.vm.memory ?? job.guestImages[i].vm.memory }));
}

/** The jobs in order, as many at once as `capacity` guests allow: a scenario with several
 *  guests counts each of them (all of the capacity at most, so it still runs). */
export async function runPool<T>(items: T[], capacity: number, weight: (item: T) => number, work: (item: T) => Promise<void>): Promise<void> {
  let used = 0;
  const running = new Set<Promise<void>>();
  for (const item of items) {
    const w = Math.min(Math.max(1, weight(item)), Math.max(1, capacity));
    while (used + w > capacity && running.size > 0) await Promise.race(running);
    used += w;
    const done: Promise<void> = work(item).finally(() => {
      used -= w;
      running.delete(done);
    });
    running.add(done);
  }
  await Promise.all(running);
}

/** Only the host's errors are retried: a failure (an answer not as expected, or what the
 *  guest did to itself) is a finding, and the test side's error would come again. */
export function shouldRetry(result: ScenarioResult): boolean {
  const hostError = result.steps.some((s) => s.outcome === 'error' && s.fault !== undefined && retryable(s.fault));
  return hostError && !result.steps.some((s) => s.outcome === 'failed');
}

/** The newest attempt, each of its steps carrying what that step did in earlier attempts,
 *  the evidence they linked (their attachments) included. */
export function withEarlierAttempt(latest: ScenarioResult, earlier: ScenarioResult): ScenarioResult {
  const steps = latest.steps.map((step, i) => {
    const before = earlier.steps[i];
    if (!before) return step;
    const { earlierAttempts = [], name: _name, kind: _kind, location: _location, observed: _observed, ...attempt } = before;
    return { ...step, earlierAttempts: [...earlierAttempts, attempt] };
  });
  return { ...latest, steps, properties: { ...latest.properties, attempts: String(Number(earlier.properties.attempts ?? 1) + 1) } };
}

export function summarize(results: ScenarioResult[], durationMs: number, interrupted?: string): RunSummary {
  return { ...countOutcomes(results.flatMap((r) => r.steps)), flaky: results.filter(passedOnRetry).length, durationMs, interrupted };
}

function emptySummary(durationMs: number, interrupted: string): RunSummary {
  return { passed: 0, failed: 0, errors: 0, skipped: 0, durationMs, interrupted };
}
