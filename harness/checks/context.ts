// What a check gets to work with, and what it answers. A check that cannot be carried
// out throws (GuestError, MachineError…): the error's `fault` makes it a failure (the
// guest's doing) or an error (the host's or the test side's).
import type { Guest } from '../guest/guest.js';
import type { Observation } from '../report/observed.js';
import { FaultError } from '../util/fault.js';

/**
 * The step cannot be judged as written: what it names is not there to be checked (a unit
 * systemd does not know, a PAM service with no file, no pamtester). An error of this step
 * alone, never a pass or a failure that `expect:` could have expected; the guest is as it
 * was, so later steps still run.
 */
export class CheckError extends FaultError {
  override name = 'CheckError';
  constructor(message: string) {
    super(message, 'harness');
  }
}

export interface CheckContext {
  /** The guest's connection; after `reboot()`, the new boot's. */
  readonly guest: Guest;
  /** service name in the scenario → systemd unit name in the guest */
  unitOf(service: string): string;
  /** Per-command bound: the runner's ceiling for one command, capped by what is left of the scenario's timeout. */
  commandTimeoutMs(): number;
  /** When the scenario began, in the guest's clock (seconds since the epoch): `journal` looks from there. */
  guestStartEpoch?: number;
  /**
   * Reboots the guest for real (a restored one too: through firmware and kernel, from its
   * disk as it now is), waits until it answers over SSH and its boot has settled, and
   * hands later commands to the new boot. Throws when it cannot: the guest refused, was not
   * reset in time, or did not come back in time; a crash meanwhile loses the VM as ever.
   */
  reboot(options?: RebootOptions): Promise<Rebooted>;
  /**
   * Installs `packages` from the candidate the image carries, as `apt-get install` does,
   * then reads the versions installed, which later steps' `when:` use. Throws when it
   * cannot try: the image carries no candidate, or not one of the packages.
   */
  upgrade(packages: string[], timeoutMs?: number): Promise<Upgraded>;
  /** The guest's keyboard and serial console, as a person at the machine meets them. */
  readonly console: GuestConsole;
}

/** What `type:`, `key:` and `screen: serial` work with (the virtual consoles are read in the guest). */
export interface GuestConsole {
  /** Presses each combination of QEMU key names in turn (keys.ts). */
  press(combinations: string[][]): Promise<void>;
  /** The serial console's log now; `seen` marks it read once a `screen: serial` step found what it waited for. */
  serial(): Promise<SerialLog & { seen: () => void }>;
}

/** The serial console's log, as `screen: serial` matches it. */
export interface SerialLog {
  /** What it printed since the last `screen: serial` step that found what it waited for, else since the steps began. */
  sinceHeld: string;
  /** What it printed since the scenario's steps began. */
  sinceSteps: string;
  /** The line the cursor is on: what came after the log's last line break (blank just after one). */
  line: string;
}

/** What a live upgrade did. */
export interface Upgraded {
  exitCode: number;
  /** The commands and what apt printed. */
  output: string;
  /** The candidate's version of each package it carries. */
  candidate: Readonly<Record<string, string>>;
  /** The versions the image records, as installed before and after (null: not installed). */
  before: Readonly<Record<string, string | null>>;
  after: Readonly<Record<string, string | null>>;
  /** Each package the step named, as installed afterwards (null: not installed). */
  installed: Readonly<Record<string, string | null>>;
}

/** How to reboot the guest (a `reboot:` step, or any step that needs a new boot). */
export interface RebootOptions {
  /** The shell command that asks the guest to reboot; default `systemctl reboot`. */
  command?: string;
  /** Bound on the whole reboot, down and up again; default the runner's (longer under TCG). */
  timeoutMs?: number;
}

/** What a reboot showed. */
export interface Rebooted {
  /** The command that asked for it. */
  command: string;
  bootIdBefore: string;
  bootIdAfter: string;
  /** `systemctl is-system-running --wait` once the new boot settled: running, degraded… */
  systemState: string;
  /** From asking to QEMU's reset, from the reset to SSH answering, from then to the boot settled. */
  downMs: number;
  answeredMs: number;
  settledMs: number;
}

export interface CheckResult {
  ok: boolean;
  /** For a failure: what was expected and what the guest answered, one line per mismatch. */
  mismatches: string[];
  /** What was run and what it printed, for the report's system-out. */
  output: string;
  /** Longer text for a failure (e.g. the unit's journal tail). */
  details?: string;
  /** What the guest showed, normalised so runs on two systemd versions can be diffed. */
  observed?: Observation;
  /** What a step's `save:` keeps (a `run`'s stdout, trimmed), when the step passed. */
  value?: string;
}

export function verdict(mismatches: string[], output: string, details?: string): CheckResult {
  return { ok: mismatches.length === 0, mismatches, output, details };
}

/** The result with what the guest showed attached. */
export function observing(result: CheckResult, observed: Observation): CheckResult {
  return { ...result, observed };
}

/** A service step that found no main process: nothing else could be observed. */
export const NO_MAIN_PROCESS: Observation = { mainProcess: 'none' };

/** A transcript of one command, as shown in system-out. */
export function transcript(command: string, result: { exitCode: number; stdout: string; stderr: string }, user?: string): string {
  const lines = [`$ ${user ? `(as ${user}) ` : ''}${command}`];
  if (result.stdout) lines.push(result.stdout.replace(/\n$/, ''));
  if (result.stderr) lines.push('[stderr]', result.stderr.replace(/\n$/, ''));
  lines.push(`[exit ${result.exitCode}]`);
  return lines.join('\n');
}
