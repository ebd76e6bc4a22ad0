// The life of one scenario on one image, in phases: get its ready guests (each a cold boot
// or a restored snapshot, see guest-source.ts; several at once, on a private network),
// set them up, run each step on its guest, keep evidence of a failure, and stop every VM,
// whatever happens on the way.
import path from 'node:path';
import { CheckError, type CheckContext, type CheckResult } from '../checks/context.js';
import { guarded } from '../report/multiplexer.js';
import type { Reporter, ScenarioInfo, ScenarioResult, StepResult } from '../report/events.js';
import type { Scenario, Step } from '../load/scenario.js';
import type { AccelChoice } from '../vm/accel.js';
import type { ImageInfo } from '../vm/image.js';
import { PrivateNetwork } from '../vm/private-network.js';
import { qemuVersion } from '../vm/version.js';
import { stopReady, type GuestSource, type KeptGuest, type ReadyGuest } from './guest-source.js';
import { networkCommand, recordFrames } from './guest-network.js';
import { guestContext } from './guest-context.js';
import { errorDetails, GuestNamedError, lostGuest, named } from './guest-errors.js';
import { ScenarioGuest } from './scenario-guest.js';
import { artifactsFolder, collectEvidenceOf, saveFailedGuest } from './bundle.js';
import { SavedValues, UnsavedValue } from './saved-values.js';
import { prepareGuest } from './setup.js';
import { StepGate } from './step-gate.js';
import { LimitWatch, runStep } from './step-limits.js';
import { describeError, firstLine } from '../util/errors.js';
import { faultOf, outcomeOf, type Fault } from '../util/fault.js';

export interface ScenarioRunOptions {
  scenario: Scenario;
  /** The image it runs on: every guest's that names none of its own. */
  image: ImageInfo;
  /** Each guest's image, in the scenario's order (a guest's own `image:`, or `image`); absent, all `image`. */
  guestImages?: ImageInfo[];
  /** The testsuite name (the scenario's, plus the image when it runs on several). */
  suiteName: string;
  accel: AccelChoice;
  /** Where the guests come from: a cold boot or a restored snapshot. */
  guests: GuestSource;
  reporter: Reporter;
  signal: AbortSignal;
  /** Where failure bundles go: <artifactsDir>/<suite>/…, or <suite>.attempt-N/ for a rerun's. */
  artifactsDir: string;
  /** Which run of the scenario this is (`--retries`); 1 when absent. */
  attempt?: number;
  /** Bound on getting a ready guest; longer under TCG. */
  bootDeadlineMs?: number;
  /** Says what is worth knowing but is no step's outcome (snapshot notices). */
  log?: (line: string) => void;
  /** On a failure or error, save the guest as a bundle for `harness repro` (`--save-failure`). */
  saveFailure?: boolean;
  /** On a failure or error, hand the running guests and their network over (`--keep-on-failure`): the receiver stops them, then closes it. */
  keepFailed?: (guests: KeptGuest[], network?: PrivateNetwork) => void;
}

const BOOT_DEADLINE_MS = { kvm: 60_000, tcg: 180_000 };
const SETUP_COMMAND_MS = 60_000;

export function stepLocation(step: Step): string {
  return `${step.at.file}:${step.at.line}:${step.at.col}`;
}

/** A scenario's life on one image: ready guests, their setup, the steps, what to keep, the end. */
export async function runScenario(options: ScenarioRunOptions): Promise<ScenarioResult> {
  return new ScenarioRun(options).run();
}

class ScenarioRun {
  private readonly info: ScenarioInfo;
  private readonly startedAt = new Date();
  private readonly deadline: number;
  private readonly properties: Record<string, string>;
  private readonly steps: StepResult[] = [];
  private readonly outputLines: string[] = [];
  private readonly reported = new Set<Step>();
  private readonly limits: LimitWatch;
  private readonly gate = new StepGate();
  private readonly saved = new SavedValues();
  /** The scenario's guests, in its order; one unless it has `guests:`. */
  private readonly slots: ScenarioGuest[];
  private readonly contexts = new Map<ScenarioGuest, CheckContext>();
  private network?: PrivateNetwork;
  /** One of several guests was lost: every later step is red, naming it, at its fault. */
  private lost?: { message: string; fault: Fault };
  /** Never throws: a reporter's failure is logged and costs no step. */
  private readonly reporter: Reporter;

  constructor(private readonly options: ScenarioRunOptions) {
    const { scenario, image } = options;
    this.info = { name: options.suiteName, file: scenario.file, image: image.name, stepCount: scenario.steps.length };
    this.deadline = this.startedAt.getTime() + scenario.timeoutMs;
    const several = scenario.guests.length > 1;
    this.slots = scenario.guests.map((spec, i) => new ScenarioGuest(spec, options.guestImages?.[i] ?? image, i, several));
    for (const slot of this.slots) slot.describe(slot.vmSpec(options.accel.accel));
    this.properties = {
      image: image.name,
      distro: `${image.distro} ${image.release}`,
      accel: options.accel.accel,
      'accel.reason': options.accel.reason,
      ...(several ? { guests: this.slots.map((s) => s.name).join(' ') } : {}),
    };
    // Everything awaited races the scenario's limit, an interruption and the loss of any of its VMs.
    this.limits = new LimitWatch(this.deadline, scenario.timeoutMs, options.signal);
    this.reporter = guarded(options.reporter, options.log);
  }

  async run(): Promise<ScenarioResult> {
    this.reporter.onScenarioBegin?.(this.info);
    try {
      try {
        await this.startGuests();
        await this.setUp();
      } catch (err) {
        this.recordStartError(err);
      }
      await this.runSteps();
      await this.keepEvidence();
    } finally {
      this.limits.dispose();
      if (this.network) await recordFrames(this.network, this.slots, this.options.log);
      if (!(await this.handOverOrStop())) await this.network?.close();
    }
    const properties = Object.assign(this.properties, ...this.slots.map((s) => s.properties));
    const result: ScenarioResult = { info: this.info, steps: this.steps, durationMs: Date.now() - this.startedAt.getTime(), startedAt: this.startedAt, properties, output: this.outputLines.join('\n') || undefined };
    this.reporter.onScenarioEnd?.(result);
    return result;
  }

  // ── the phases ────────────────────────────────────────────────────────────

  /** Every guest at once; with several, each then joins the private network. */
  private async startGuests(): Promise<void> {
    if (this.slots.length > 1) this.network = await PrivateNetwork.open();
    this.properties['qemu.version'] = await qemuVersion();
    await this.eachGuest((slot) => this.startGuest(slot));
    if (!this.network) return;
    const members = this.slots.map((s) => ({ name: s.name, index: s.index }));
    await this.eachGuest(async (slot) => {
      slot.set({ nic: (await this.guard(slot.ready!.guest.succeed(networkCommand(slot, members), { timeoutMs: SETUP_COMMAND_MS }))).trim() });
    });
  }

  private async startGuest(slot: ScenarioGuest): Promise<void> {
    const spec = slot.vmSpec(this.options.accel.accel, this.network?.socket);
    const bootDeadline = Math.min(this.options.bootDeadlineMs ?? BOOT_DEADLINE_MS[spec.accel], this.deadline - Date.now());
    const starting = this.options.guests.start(spec, { deadlineMs: bootDeadline, signal: this.options.signal });
    let ready: ReadyGuest;
    try {
      ready = await this.guard(starting);
    } catch (err) {
      // A guest that arrives after the scenario gave up on it still has to be stopped.
      starting.then((late) => void stopReady(late), () => {});
      throw err;
    }
    slot.started(ready);
    for (const notice of ready.notices) this.options.log?.(`${this.info.name}: ${slot.label}${notice}`);
  }

  private async setUp(): Promise<void> {
    const began = Date.now();
    await this.eachGuest(async (slot) => {
      const lines = await this.guard(prepareGuest(slot.ready!.guest, slot.spec, this.options.scenario.file, SETUP_COMMAND_MS));
      this.outputLines.push(...lines.map((line) => `${slot.label}${line}`));
    });
    this.properties['setup.ms'] = String(Date.now() - began);
  }

  private async runSteps(): Promise<void> {
    for (const slot of this.slots) this.contextOf(slot); // now: each guest's serial console is read from when the steps begin
    for (const scenarioStep of this.options.scenario.steps) {
      if (this.reported.has(scenarioStep)) continue; // the step that carried a start or setup error
      if (this.lost) {
        this.record(scenarioStep, { outcome: outcomeOf(this.lost.fault), fault: this.lost.fault, durationMs: 0, message: `not run: ${this.lost.message}` });
        continue;
      }
      const slot = this.slotOf(scenarioStep);
      const admitted = this.gate.admit(scenarioStep, slot.versions);
      const ctx = this.contextOf(slot);
      if ('skip' in admitted || !ctx) {
        this.record(scenarioStep, { outcome: 'skipped', durationMs: 0, message: 'skip' in admitted ? admitted.skip : 'not run' });
        continue;
      }
      await this.runOne(admitted.step, ctx);
    }
  }

  private async runOne(admitted: Step, ctx: CheckContext): Promise<void> {
    const began = Date.now();
    let result: CheckResult;
    try {
      result = await this.guard(runStep(this.saved.fill(admitted), ctx));
    } catch (caught) {
      // A value missing, or a step that cannot be judged, is this step's error alone: the guest is as it was, later steps run.
      if (caught instanceof UnsavedValue || caught instanceof CheckError) return this.record(admitted, { outcome: 'error', fault: faultOf(caught), durationMs: Date.now() - began, message: describeError(caught) });
      // A VM lost meanwhile is the story (QEMU's death, the guest's panic), whatever the step saw of it.
      const lost = faultOf(caught) !== 'harness' ? await lostGuest(this.slots) : undefined;
      const err = lost ? named(lost.slot, lost.reason) : caught;
      const machine = (lost?.slot ?? this.slotOf(admitted)).ready?.machine;
      const fault = faultOf(err);
      this.record(admitted, { outcome: outcomeOf(fault), fault, durationMs: Date.now() - began, message: describeError(err), details: errorDetails(err, machine) });
      if (lost && this.slots.length > 1) this.lost = { message: `guest ${lost.slot.name} was lost (${firstLine(lost.reason)}); the others were stopped`, fault };
      this.gate.errored(admitted, err);
      return;
    }
    // Outside the try: the step's outcome is decided, and nothing a reporter does unmakes it.
    this.record(admitted, {
      ...(result.ok ? { outcome: 'passed' as const } : { outcome: 'failed' as const, fault: 'guest' as const }),
      durationMs: Date.now() - began,
      message: result.ok ? undefined : result.mismatches.join('; '),
      details: result.ok ? undefined : [...result.mismatches, ...(result.details ? ['', result.details] : [])].join('\n'),
      output: result.output,
      observed: result.observed,
    }, result.value);
    this.gate.judged(admitted, result.ok);
  }

  /** On a failure or error: each guest's evidence (serial log, journal, status), and with
   *  --save-failure the guest itself, for `harness repro` (bundle.ts). */
  private async keepEvidence(): Promise<void> {
    if (!this.failed()) return;
    const dir = artifactsFolder(this.options.artifactsDir, this.options.suiteName, this.options.attempt);
    const files = await collectEvidenceOf(this.slots, dir);
    for (const step of this.steps) if (step.outcome === 'failed' || step.outcome === 'error') step.attachments = files;
    if (!this.options.saveFailure || this.options.signal.aborted) return; // interrupted: the user wants out
    if (this.slots.length > 1 || !this.slots[0].ready) {
      if (this.slots.length > 1) this.options.log?.(`${this.info.name}: not saved for \`harness repro\`: a bundle holds one guest, and this scenario has several`);
      return;
    }
    const saved = await saveFailedGuest(path.join(dir, 'guest'), this.options.scenario, this.slots[0].ready, { keepRunning: Boolean(this.options.keepFailed) });
    if ('bundle' in saved) {
      this.properties['failure.bundle'] = saved.bundle;
      this.options.log?.(`${this.info.name}: the failed guest is saved; land in it with: harness repro ${saved.bundle}`);
    } else {
      this.options.log?.(`${this.info.name}: the failed guest could not be saved: ${saved.problem}`);
    }
  }

  /** Every guest still there: handed over with their network (--keep-on-failure after a failure; then true) or stopped. */
  private async handOverOrStop(): Promise<boolean> {
    const keep = this.failed() ? this.options.keepFailed : undefined;
    const running = this.slots.filter((slot) => slot.ready);
    if (keep && running.length) {
      keep(running.map((slot) => ({ ready: slot.ready!, suiteName: `${this.info.name}${slot.label ? ` (${slot.label.slice(0, -2)})` : ''}`, image: slot.image })), this.network);
      return true;
    }
    await Promise.all(running.map((slot) => stopReady(slot.ready!)));
    return false;
  }

  private failed(): boolean {
    return this.steps.some((s) => s.outcome === 'failed' || s.outcome === 'error');
  }

  // ── helpers ───────────────────────────────────────────────────────────────
  private guard<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.limits.expired, ...this.slots.flatMap((s) => (s.ready ? [s.ready.machine.lost] : []))]);
  }

  /** The work for each guest at once, all of it settled (so every guest that started is
   *  known, and stopped in the end); an error names its guest. */
  private async eachGuest(work: (slot: ScenarioGuest) => Promise<void>): Promise<void> {
    const outcomes = await Promise.allSettled(this.slots.map((slot) => work(slot).catch((err) => Promise.reject(named(slot, err)))));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (!failed) return;
    // a guest lost meanwhile ended the others' work too: it is the one to name
    const lost = await lostGuest(this.slots);
    throw lost ? named(lost.slot, lost.reason) : failed.reason;
  }

  private readonly slotOf = (step: Step): ScenarioGuest => this.slots.find((s) => s.name === step.on) ?? this.slots[0];

  private contextOf(slot: ScenarioGuest): CheckContext | undefined {
    if (!slot.ready || this.gate.closed) return undefined;
    let ctx = this.contexts.get(slot);
    if (!ctx) {
      ctx = guestContext(slot, slot.ready, { deadline: this.deadline, network: this.network ? this.slots : undefined });
      this.contexts.set(slot, ctx);
    }
    return ctx;
  }

  /** Reports the step's outcome; `value` is what its `save:` keeps, when it has one. */
  private record(step: Step, result: Omit<StepResult, 'name' | 'kind' | 'location'>, value?: string): void {
    this.reported.add(step);
    this.saved.record(step, result.outcome, value, result.outcome === 'skipped' ? result.message : undefined);
    const full: StepResult = { name: step.name, kind: step.kind, location: stepLocation(step), ...result };
    this.steps.push(full);
    this.reporter.onStepEnd?.(this.info, full);
  }

  /** The guests never became ready or could not be set up: the first step carries why. */
  private recordStartError(err: unknown): void {
    this.gate.couldNotStart(err);
    const details = errorDetails(err, err instanceof GuestNamedError ? err.machine : this.slots[0].ready?.machine);
    const first = this.options.scenario.steps[0];
    const fault = faultOf(err);
    if (first) this.record(first, { outcome: outcomeOf(fault), fault, durationMs: 0, message: describeError(err), details });
    this.outputLines.push(details);
  }
}

