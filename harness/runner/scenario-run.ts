// The life of one scenario on one image: boot, prepare, run each step, collect what
// is worth keeping, and stop the VM, whatever happens on the way.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCheck, isGatingStep } from '../checks/index.js';
import type { CheckContext, CheckResult } from '../checks/context.js';
import { Guest, GuestError } from '../guest/guest.js';
import { shellQuote } from '../guest/quote.js';
import type { Reporter, ScenarioInfo, ScenarioResult, StepResult } from '../report/events.js';
import type { Scenario, Step } from '../scenario/types.js';
import type { AccelChoice } from '../vm/accel.js';
import type { ImageInfo } from '../vm/image.js';
import { Machine } from '../vm/machine.js';
import { kernelCommandLine, smpArgument } from '../vm/qemu-args.js';
import { resolveVmSpec } from '../vm/spec.js';
import { qemuVersion } from '../vm/version.js';
import { prepareGuest, unitName } from './setup.js';

export interface ScenarioRunOptions {
  scenario: Scenario;
  image: ImageInfo;
  /** The testsuite name (the scenario's, plus the image when it runs on several). */
  suiteName: string;
  accel: AccelChoice;
  reporter: Reporter;
  signal: AbortSignal;
  /** Where failure bundles go: <artifactsDir>/<suite>/… */
  artifactsDir: string;
  /** Bound on boot-to-SSH; longer under TCG. */
  bootDeadlineMs?: number;
}

/** An error raised by the harness's own limits or an interruption, not by the guest. */
export class LimitError extends Error {
  override name = 'LimitError';
}

const MAX_COMMAND_MS = 60_000;
const BOOT_DEADLINE_MS = { kvm: 60_000, tcg: 180_000 };

export function stepLocation(step: Step): string {
  return `${step.at.file}:${step.at.line}:${step.at.col}`;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'scenario';
}

export async function runScenario(options: ScenarioRunOptions): Promise<ScenarioResult> {
  const { scenario, image, reporter, signal } = options;
  const info: ScenarioInfo = { name: options.suiteName, file: scenario.file, image: image.name, stepCount: scenario.steps.length };
  reporter.onScenarioBegin?.(info);

  const startedAt = new Date();
  const deadline = startedAt.getTime() + scenario.timeoutMs;
  const spec = resolveVmSpec(image, scenario.vm, options.accel.accel);
  const properties: Record<string, string> = {
    image: image.name,
    distro: `${image.distro} ${image.release}`,
    accel: options.accel.accel,
    'accel.reason': options.accel.reason,
    'vm.cpu': spec.cpuModel,
    'vm.smp': smpArgument(spec),
    'vm.memory': `${spec.memory}M`,
    'kernel.cmdline': kernelCommandLine(spec),
  };
  const steps: StepResult[] = [];
  const outputLines: string[] = [];
  let machine: Machine | undefined;
  let guest: Guest | undefined;

  // Everything awaited below races the scenario's limit, an interruption and the VM's loss.
  const limits = new LimitWatch(deadline, scenario.timeoutMs, signal);
  const guard = <T>(work: Promise<T>): Promise<T> =>
    Promise.race([work, limits.expired, ...(machine ? [machine.lost] : [])]);

  const reported = new Set<Step>();
  const record = (step: Step, result: Omit<StepResult, 'name' | 'kind' | 'location'>) => {
    reported.add(step);
    const full: StepResult = { name: step.name, kind: step.kind, location: stepLocation(step), ...result };
    steps.push(full);
    reporter.onStepEnd?.(info, full);
  };

  let blocked: string | undefined;
  let guestStartEpoch: number | undefined;
  try {
    try {
      const bootStarted = Date.now();
      machine = await guard(Machine.boot(spec));
      const bootDeadline = Math.min(options.bootDeadlineMs ?? BOOT_DEADLINE_MS[spec.accel], deadline - Date.now());
      guest = await guard(
        Guest.connect({
          port: machine.sshPort,
          user: image.user,
          privateKeyPath: image.privateKey,
          hostKeyFingerprint: image.hostKeyFingerprint,
          // a little under the scenario's own limit, so the more telling SSH error wins the race
          deadlineMs: Math.max(1000, bootDeadline - 2000),
          lost: machine.lost,
        }),
      );
      const connected = guest;
      properties['boot.ms'] = String(Date.now() - bootStarted);
      const facts = await guard(connected.succeed('systemctl --version | head -n1; uname -r', { timeoutMs: 30_000 }));
      properties['firstCommand.ms'] = String(Date.now() - bootStarted);
      const [systemdLine = '', kernel = ''] = facts.trim().split('\n');
      properties['systemd.version'] = /systemd (\d+)/.exec(systemdLine)?.[1] ?? systemdLine;
      properties['systemd.full'] = systemdLine;
      properties['kernel.release'] = kernel;
      properties['qemu.version'] = await qemuVersion();
      // `journal` steps look from here: before the scenario's own files, units and steps.
      guestStartEpoch = Number((await guard(connected.succeed('date +%s', { timeoutMs: 30_000 }))).trim());
      outputLines.push(...(await guard(prepareGuest(connected, scenario, 60_000))));
    } catch (err) {
      blocked = `not run: the scenario could not start (${firstLine(err)})`;
      const first = scenario.steps[0];
      const serial = machine ? `\nlast serial console lines:\n${machine.serial.tail(25).join('\n')}` : '';
      if (first) record(first, { outcome: 'error', durationMs: 0, message: describeError(err), details: `${describeError(err)}${serial}` });
      outputLines.push(`${describeError(err)}${serial}`);
    }

    const ctx: CheckContext | undefined = guest && {
      guest,
      scenario,
      unitOf: (name) => {
        const service = scenario.services.find((s) => s.name === name);
        return service ? unitName(service) : name;
      },
      commandTimeoutMs: () => Math.max(1000, Math.min(MAX_COMMAND_MS, deadline - Date.now())),
      guestStartEpoch,
    };

    for (const step of scenario.steps) {
      if (reported.has(step)) continue; // the step that carried a boot or setup error
      if (blocked || !ctx) {
        record(step, { outcome: 'skipped', durationMs: 0, message: blocked ?? 'not run' });
        continue;
      }
      const began = Date.now();
      try {
        const result = await guard(runStep(step, ctx));
        const outcome = result.ok ? 'passed' : 'failed';
        record(step, {
          outcome,
          durationMs: Date.now() - began,
          message: result.ok ? undefined : result.mismatches.join('; '),
          details: result.ok ? undefined : [...result.mismatches, ...(result.details ? ['', result.details] : [])].join('\n'),
          output: result.output,
          observed: result.observed,
        });
        if (!result.ok && isGatingStep(step)) blocked = `skipped: \`${step.kind}: ${'service' in step ? step.service : ''}\` failed`;
      } catch (caught) {
        const err = caught instanceof GuestError ? ((await machine?.lostReason()) ?? caught) : caught;
        record(step, { outcome: 'error', durationMs: Date.now() - began, message: describeError(err), details: errorDetails(err, machine) });
        blocked = `skipped after an error in "${step.name}": ${firstLine(err)}`;
      }
    }

    if (machine && steps.some((s) => s.outcome === 'failed' || s.outcome === 'error')) {
      const files = await collectFailureBundle(path.join(options.artifactsDir, slug(options.suiteName)), machine, guest, scenario);
      for (const step of steps) if (step.outcome === 'failed' || step.outcome === 'error') step.attachments = files;
    }
  } finally {
    limits.dispose();
    guest?.close();
    await machine?.stop();
  }

  const result: ScenarioResult = {
    info,
    steps,
    durationMs: Date.now() - startedAt.getTime(),
    startedAt,
    properties,
    output: outputLines.join('\n') || undefined,
  };
  reporter.onScenarioEnd?.(result);
  return result;
}

/** Runs one step; with `within`, again every `every` until it holds or time runs out. */
async function runStep(step: Step, ctx: CheckContext): Promise<CheckResult> {
  // start/stop/restart use `within` as how long to wait for the unit to settle, not as a retry.
  if (!step.withinMs || isGatingStep(step)) return runCheck(step, ctx);
  const until = Date.now() + step.withinMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    const result = await runCheck(step, ctx);
    if (result.ok || Date.now() + step.everyMs > until) {
      if (!result.ok) result.mismatches.push(`(still not holding after ${attempts} attempts within ${step.withinMs} ms)`);
      return result;
    }
    await new Promise((r) => setTimeout(r, step.everyMs));
  }
}

/** The scenario's own timeout and the run's interruption, as one promise that only rejects. */
class LimitWatch {
  readonly expired: Promise<never>;
  private timer?: NodeJS.Timeout;
  private onAbort?: () => void;

  constructor(deadline: number, timeoutMs: number, private readonly signal: AbortSignal) {
    this.expired = new Promise<never>((_, reject) => {
      this.timer = setTimeout(
        () => reject(new LimitError(`the scenario exceeded its timeout of ${formatMs(timeoutMs)}`)),
        Math.max(0, deadline - Date.now()),
      );
      this.onAbort = () => reject(new LimitError(`interrupted (${String(signal.reason ?? 'aborted')})`));
      if (signal.aborted) this.onAbort();
      else signal.addEventListener('abort', this.onAbort, { once: true });
    });
    this.expired.catch(() => {});
  }

  dispose(): void {
    clearTimeout(this.timer);
    if (this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
  }
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

function firstLine(err: unknown): string {
  return describeError(err).split('\n')[0];
}

function errorDetails(err: unknown, machine: Machine | undefined): string {
  const serial = machine ? `\n\nlast serial console lines:\n${machine.serial.tail(20).join('\n')}` : '';
  return describeError(err) + serial;
}

/** Serial log, the boot's journal and each service's status, for whoever reads the report. */
async function collectFailureBundle(dir: string, machine: Machine, guest: Guest | undefined, scenario: Scenario): Promise<string[]> {
  const files: string[] = [];
  try {
    await mkdir(dir, { recursive: true });
    await machine.serial.poll();
    const serialCopy = path.join(dir, 'serial.log');
    await copyFile(machine.serialLogPath, serialCopy);
    files.push(serialCopy);
    if (guest) {
      const journal = await guest.exec('journalctl -b --no-pager -o short-monotonic', { timeoutMs: 20_000 });
      await writeFile(path.join(dir, 'journal.txt'), journal.stdout);
      files.push(path.join(dir, 'journal.txt'));
      const units = scenario.services.map((s) => shellQuote(unitName(s))).join(' ');
      if (units) {
        const status = await guest.exec(`systemctl status --no-pager --full -- ${units}`, { timeoutMs: 20_000 });
        await writeFile(path.join(dir, 'status.txt'), status.stdout + status.stderr);
        files.push(path.join(dir, 'status.txt'));
      }
    }
  } catch {
    // a bundle is a courtesy: a guest that is gone leaves a smaller one
  }
  return files;
}
