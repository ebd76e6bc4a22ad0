// A reboot a step asks for: the guest goes down by its own command, QEMU resets it (it
// otherwise ends on a reboot, see Machine.rebootGuest), and it boots again from its disk
// as it now is, restored guests included, so tmpfiles, sysctl.d and every boot-time job
// run again. The scenario's guest then talks through a new SSH connection. A fresh boot
// needs nothing of what a restore does after loading a snapshot: the clock comes from
// the emulated RTC, which follows the host's, and the kernel seeds its own entropy.
import type { RebootOptions, Rebooted } from '../checks/context.js';
import { GuestError, type Guest } from '../guest/guest.js';
import { FaultError, unlessTheHosts } from '../util/fault.js';
import { connect, type ReadyGuest } from './guest-source.js';
import { trace } from '../util/trace.js';

export const REBOOT_COMMAND = 'systemctl reboot';
const BOOT_ID = 'cat /proc/sys/kernel/random/boot_id';
const QUICK_COMMAND_MS = 30_000;

/** The guest refused to reboot, did not go down, did not come back in time, or came back as
 *  it was: a result about the guest (for a new systemd, the very regression to find). */
export class RebootError extends FaultError {
  override name = 'RebootError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'guest', options);
  }
}

/**
 * Reboots `ready`'s guest and puts the new boot's connection in `ready.guest`. Bounded
 * by `timeoutMs` as a whole (going down, coming back, settling), each wait saying what
 * it waited for when the bound runs out.
 */
export async function rebootGuest(ready: ReadyGuest, options: RebootOptions, timeoutMs: number): Promise<Rebooted> {
  const command = options.command ?? REBOOT_COMMAND;
  const deadline = Date.now() + (options.timeoutMs ?? timeoutMs);
  const left = () => Math.max(1000, deadline - Date.now());
  const { machine } = ready;
  const before = ready.guest;
  const bootIdBefore = (await before.succeed(BOOT_ID, { timeoutMs: Math.min(QUICK_COMMAND_MS, left()) })).trim();
  const asked = Date.now();
  const window = await ofTheReboot(machine.rebootGuest(`\`${command}\``, () => askToReboot(before, command, left()), left()), '');
  before.close();
  const reset = Date.now();
  try {
    ready.guest = await ofTheReboot(connect(machine, machine.spec.image, left(), 'guest'), 'after the reboot, ');
  } finally {
    // the guest answers again, long past its firmware's resets: -no-reboot is back in force
    trace(`reboot: QEMU reset the guest ${await window.close()} time(s)`);
  }
  const answered = Date.now();
  const settled = await ofTheReboot(ready.guest.exec('systemctl is-system-running --wait', { timeoutMs: left() }), 'after the reboot, ');
  const bootIdAfter = (await ofTheReboot(ready.guest.succeed(BOOT_ID, { timeoutMs: QUICK_COMMAND_MS }), 'after the reboot, ')).trim();
  if (bootIdAfter === bootIdBefore) throw new RebootError(`the boot id is still ${bootIdBefore}: the guest did not boot again`);
  return {
    command,
    bootIdBefore,
    bootIdAfter,
    systemState: settled.stdout.trim() || `(no state; exit ${settled.exitCode})`,
    downMs: reset - asked,
    answeredMs: answered - reset,
    settledMs: Date.now() - answered,
  };
}

/** Runs the command. The connection dropping under it is the reboot under way; a command
 *  that says no is a refusal, and the reboot an error at once. */
async function askToReboot(guest: Guest, command: string, timeoutMs: number): Promise<void> {
  let result;
  try {
    result = await guest.exec(command, { timeoutMs });
  } catch (err) {
    if (err instanceof GuestError) return;
    throw err;
  }
  if (result.exitCode !== 0) throw new RebootError(`\`${command}\` exited ${result.exitCode}: ${(result.stderr || result.stdout).trim()}`);
}

/** The reboot's trouble, said as such (which wait, SSH or command it was is in the message):
 *  the guest's, unless the host's (QEMU died meanwhile: that error stands as it is). */
function ofTheReboot<T>(work: Promise<T>, when: string): Promise<T> {
  return unlessTheHosts(work, (err) => (err instanceof RebootError ? err : new RebootError(`${when}${(err as Error).message}`, { cause: err })));
}
