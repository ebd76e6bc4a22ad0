// The life of one scenario on one image, in phases: get a ready guest (a cold boot or a
// restored snapshot, see guest-source.ts), set it up, run each step, keep evidence of a
// failure, and stop the VM, whatever happens on the way.
import path from 'node:path';
import { CheckError, type CheckContext, type CheckResult } from '../checks/context.js';
import { GuestError } from '../guest/guest.js';
import { guarded } from '../report/multiplexer.js';
import type { Reporter, ScenarioInfo, ScenarioResult, StepResult } from '../report/events.js';
import type { Scenario, Step } from '../load/scenario.js';
import type { AccelChoice } from '../vm/accel.js';
import { packageProperties, type ImageInfo } from '../vm/image.js';
import { MachineError, type Machine } from '../vm/machine.js';
import { kernelCommandLine, smpArgument } from '../vm/qemu-args.js';
import { resolveVmSpec, type VmSpec } from '../vm/spec.js';
import { qemuVersion } from '../vm/version.js';
import { stopReady, type GuestSource, type ReadyGuest } from './guest-source.js';
import { collectEvidence, saveFailedGuest } from './bundle.js';
import { guestConsole } from './guest-console.js';
import { rebootGuest } from './reboot.js';
import { upgradeGuest } from './upgrade.js';
import { SavedValues, UnsavedValue } from './saved-values.js';
import { prepareGuest, unitName } from './setup.js';
import { StepGate } from './step-gate.js';
import { LimitWatch, runStep } from './step-limits.js';
import { describeError } from '../util/errors.js';

export interface ScenarioRunOptions {
  scenario: Scenario;
  image: ImageInfo;
  /** The testsuite name (the scenario's, plus the image when it runs on several). */
  suiteName: string;
  accel: AccelChoice;
  /** Where the guest comes from: a cold boot or a restored snapshot. */
  guests: GuestSource;
  reporter: Reporter;
  signal: AbortSignal;
  /** Where failure bundles go: <artifactsDir>/<suite>/… */
  artifactsDir: string;
  /** Bound on getting a ready guest; longer under TCG. */
  bootDeadlineMs?: number;
  /** Says what is worth knowing but is no step's outcome (snapshot notices). */
  log?: (line: string) => void;
  /** On a failure or error, save the guest as a bundle for `harness repro` (`--save-failure`). */
  saveFailure?: boolean;
  /** On a failure or error, hand the running guest over instead of stopping it (`--keep-on-failure`). */
  keepFailed?: (ready: ReadyGuest, suiteName: string) => void;
}

const MAX_COMMAND_MS = 60_000;
const BOOT_DEADLINE_MS = { kvm: 60_000, tcg: 180_000 };
// A reboot is a shutdown and a boot.
const REBOOT_DEADLINE_MS = { kvm: 2 * BOOT_DEADLINE_MS.kvm, tcg: 2 * BOOT_DEADLINE_MS.tcg };
const SETUP_COMMAND_MS = 60_000;

export function stepLocation(step: Step): string {
  return `${step.at.file}:${step.at.line}:${step.at.col}`;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'scenario';
}

/** A scenario's life on one image: a ready guest, its setup, its steps, what to keep, the end. */
export async function runScenario(options: ScenarioRunOptions): Promise<ScenarioResult> {
  return new ScenarioRun(options).run();
}

class ScenarioRun {
  private readonly info: ScenarioInfo;
  private readonly startedAt = new Date();
  private readonly deadline: number;
  private readonly spec: VmSpec;
  private readonly properties: Record<string, string>;
  private readonly steps: StepResult[] = [];
  private readonly outputLines: string[] = [];
  private readonly reported = new Set<Step>();
  private readonly limits: LimitWatch;
  private readonly gate: StepGate;
  private readonly saved = new SavedValues();
  private ready?: ReadyGuest;
  /** Never throws: a reporter's failure is logged and costs no step. */
  private readonly reporter: Reporter;

  constructor(private readonly options: ScenarioRunOptions) {
    const { scenario, image } = options;
    this.info = { name: options.suiteName, file: scenario.file, image: image.name, stepCount: scenario.steps.length };
    this.deadline = this.startedAt.getTime() + scenario.timeoutMs;
    this.spec = resolveVmSpec(image, scenario.vm, options.accel.accel);
    this.properties = {
      image: image.name,
      distro: `${image.distro} ${image.release}`,
      accel: options.accel.accel,
      'accel.reason': options.accel.reason,
      'vm.cpu': this.spec.cpuModel,
      'vm.smp': smpArgument(this.spec),
      'vm.memory': `${this.spec.memory}M`,
      'kernel.cmdline': kernelCommandLine(this.spec),
      // as recorded at build time (what `when:` is read against), with each package's origin
      ...packageProperties(image),
    };
    // Everything awaited races the scenario's limit, an interruption and the VM's loss.
    this.limits = new LimitWatch(this.deadline, scenario.timeoutMs, options.signal);
    // `when:` is read against the versions the image recorded
    this.gate = new StepGate(image.packages);
    this.reporter = guarded(options.reporter, options.log);
  }

  async run(): Promise<ScenarioResult> {
    this.reporter.onScenarioBegin?.(this.info);
    try {
      try {
        await this.getReadyGuest();
        await this.setUp();
      } catch (err) {
        this.recordStartError(err);
      }
      await this.runSteps();
      await this.keepEvidence();
    } finally {
      this.limits.dispose();
      if (this.ready && this.failed() && this.options.keepFailed) {
        this.options.keepFailed(this.ready, this.info.name);
      } else {
        if (this.ready) await stopReady(this.ready);
      }
    }
    const result: ScenarioResult = {
      info: this.info,
      steps: this.steps,
      durationMs: Date.now() - this.startedAt.getTime(),
      startedAt: this.startedAt,
      properties: this.properties,
      output: this.outputLines.join('\n') || undefined,
    };
    this.reporter.onScenarioEnd?.(result);
    return result;
  }

  // ── the phases ────────────────────────────────────────────────────────────

  private async getReadyGuest(): Promise<void> {
    const bootDeadline = Math.min(this.options.bootDeadlineMs ?? BOOT_DEADLINE_MS[this.spec.accel], this.deadline - Date.now());
    const starting = this.options.guests.start(this.spec, { deadlineMs: bootDeadline, signal: this.options.signal });
    let ready: ReadyGuest;
    try {
      ready = await this.guard(starting);
    } catch (err) {
      // A guest that arrives after the scenario gave up on it still has to be stopped.
      starting.then((late) => {
        void stopReady(late);
      }, () => {});
      throw err;
    }
    this.ready = ready;
    for (const notice of ready.notices) this.options.log?.(`${this.info.name}: ${notice}`);
    Object.assign(this.properties, {
      'guest.origin': ready.origin,
      'guest.ready.ms': String(ready.readyMs),
      ...(ready.bootMs !== undefined ? { 'boot.ms': String(ready.bootMs) } : {}),
      ...(ready.notices.length ? { 'guest.notices': ready.notices.join('; ') } : {}),
      'systemd.version': /systemd (\d+)/.exec(ready.facts.systemd)?.[1] ?? ready.facts.systemd,
      'systemd.full': ready.facts.systemd,
      'kernel.release': ready.facts.kernel,
      'qemu.version': await qemuVersion(),
    });
  }

  private async setUp(): Promise<void> {
    const began = Date.now();
    this.outputLines.push(...(await this.guard(prepareGuest(this.ready!.guest, this.options.scenario, SETUP_COMMAND_MS))));
    this.properties['setup.ms'] = String(Date.now() - began);
  }

  private async runSteps(): Promise<void> {
    const ctx = this.checkContext();
    for (const scenarioStep of this.options.scenario.steps) {
      if (this.reported.has(scenarioStep)) continue; // the step that carried a start or setup error
      const admitted = this.gate.admit(scenarioStep);
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
      if (caught instanceof UnsavedValue || caught instanceof CheckError) return this.record(admitted, { outcome: 'error', durationMs: Date.now() - began, message: describeError(caught) });
      const machine = this.ready?.machine;
      const err = caught instanceof GuestError ? ((await machine?.lostReason()) ?? caught) : caught;
      this.record(admitted, { outcome: 'error', durationMs: Date.now() - began, message: describeError(err), details: errorDetails(err, machine) });
      this.gate.errored(admitted, err);
      return;
    }
    // Outside the try: the step's outcome is decided, and nothing a reporter does unmakes it.
    this.record(admitted, {
      outcome: result.ok ? 'passed' : 'failed',
      durationMs: Date.now() - began,
      message: result.ok ? undefined : result.mismatches.join('; '),
      details: result.ok ? undefined : [...result.mismatches, ...(result.details ? ['', result.details] : [])].join('\n'),
      output: result.output,
      observed: result.observed,
    }, result.value);
    this.gate.judged(admitted, result.ok);
  }

  /** On a failure or error: the evidence (serial log, journal, status), and with
   *  --save-failure the guest itself, for `harness repro` (bundle.ts). */
  private async keepEvidence(): Promise<void> {
    if (!this.ready || !this.failed()) return;
    const dir = path.join(this.options.artifactsDir, slug(this.options.suiteName));
    const files = await collectEvidence(dir, this.ready.machine, this.ready.guest, this.options.scenario);
    for (const step of this.steps) if (step.outcome === 'failed' || step.outcome === 'error') step.attachments = files;
    if (!this.options.saveFailure || this.options.signal.aborted) return; // interrupted: the user wants out
    const saved = await saveFailedGuest(path.join(dir, 'guest'), this.options.scenario, this.ready, { keepRunning: Boolean(this.options.keepFailed) });
    if ('bundle' in saved) {
      this.properties['failure.bundle'] = saved.bundle;
      this.options.log?.(`${this.info.name}: the failed guest is saved; land in it with: harness repro ${saved.bundle}`);
    } else {
      this.options.log?.(`${this.info.name}: the failed guest could not be saved: ${saved.problem}`);
    }
  }

  private failed(): boolean {
    return this.steps.some((s) => s.outcome === 'failed' || s.outcome === 'error');
  }

  // ── helpers ───────────────────────────────────────────────────────────────

  private guard<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.limits.expired, ...(this.ready ? [this.ready.machine.lost] : [])]);
  }

  private checkContext(): CheckContext | undefined {
    const ready = this.ready;
    if (!ready || this.gate.closed) return undefined;
    const { scenario } = this.options;
    const timeLeft = () => this.deadline - Date.now();
    return {
      // a getter: a reboot puts the new boot's connection in `ready`
      get guest() {
        return ready.guest;
      },
      unitOf: (name) => {
        const service = scenario.services.find((s) => s.name === name);
        return service ? unitName(service) : name;
      },
      commandTimeoutMs: () => Math.max(1000, Math.min(MAX_COMMAND_MS, timeLeft())),
      guestStartEpoch: ready.guestEpoch,
      reboot: (options = {}) => rebootGuest(ready, options, Math.max(1000, Math.min(REBOOT_DEADLINE_MS[this.spec.accel], timeLeft()))),
      console: guestConsole(ready.machine),
      upgrade: async (packages, timeoutMs) => {
        const done = await upgradeGuest(ready.guest, this.options.image, this.gate.versions, packages, Math.max(1000, Math.min(timeoutMs ?? timeLeft(), timeLeft())));
        // later steps' `when:` read what is installed now; the testsuite keeps both sets
        this.gate.versions = done.after;
        for (const [pkg, version] of Object.entries(done.after)) this.properties[`package.${pkg}.after-upgrade`] = version ?? 'not installed';
        return done;
      },
    };
  }

  /** Reports the step's outcome; `value` is what its `save:` keeps, when it has one. */
  private record(step: Step, result: Omit<StepResult, 'name' | 'kind' | 'location'>, value?: string): void {
    this.reported.add(step);
    this.saved.record(step, result.outcome, value, result.outcome === 'skipped' ? result.message : undefined);
    const full: StepResult = { name: step.name, kind: step.kind, location: stepLocation(step), ...result };
    this.steps.push(full);
    this.reporter.onStepEnd?.(this.info, full);
  }

  /** The guest never became ready or could not be set up: the first step carries why. */
  private recordStartError(err: unknown): void {
    this.gate.couldNotStart(err);
    const details = errorDetails(err, this.ready?.machine);
    const first = this.options.scenario.steps[0];
    if (first) this.record(first, { outcome: 'error', durationMs: 0, message: describeError(err), details });
    this.outputLines.push(details);
  }
}

/** The error, then the guest's last console lines: the machine's, or those the error kept (a QEMU that never came up). */
function errorDetails(err: unknown, machine: Machine | undefined): string {
  const lines = machine ? machine.serial.tail(25) : err instanceof MachineError ? err.serialTail : [];
  return describeError(err) + (lines.length ? `\n\nlast serial console lines:\n${lines.join('\n')}` : '');
}
