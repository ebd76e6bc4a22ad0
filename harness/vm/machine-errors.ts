// How a machine's trouble reads, and whose it is (util/fault.ts): the host's (QEMU would not
// start or died, a saved state would not load) or the guest's (a panic, a shutdown unasked).
import { FaultError, type Fault } from '../util/fault.js';

/** The VM could not be started, died, or its guest is lost: the host's fault unless said otherwise. */
export class MachineError extends FaultError {
  override name = 'MachineError';
  constructor(message: string, readonly serialTail: string[] = [], fault: Fault = 'host') {
    super(message, fault);
  }
}

/**
 * QEMU ended by itself. It runs with -no-reboot, so a guest that shut down or rebooted
 * without being asked ends it with status 0: the guest's doing. Killed by a signal or
 * with another status, QEMU itself or the host failed.
 */
export function qemuExited(exit: { exitCode?: number; signal?: string }, serialTail: string[]): MachineError {
  if (!exit.signal && exit.exitCode === 0) {
    return new MachineError('the guest shut down or rebooted by itself: QEMU, which runs with -no-reboot, exited with status 0', serialTail, 'guest');
  }
  return new MachineError(`QEMU exited unexpectedly (${exit.signal ? `signal ${exit.signal}` : `status ${exit.exitCode}`})`, serialTail);
}

/** The guest itself cannot go on (kernel panic, PID 1's death among them; no root device,
 *  emergency mode): booting it again the same way would end the same way. The guest's doing. */
export class GuestFatal extends MachineError {
  override name = 'GuestFatal';
  constructor(message: string, serialTail: string[] = []) {
    super(message, serialTail, 'guest');
  }
}

/** A saved state QEMU could not load (damaged, or from another QEMU): the host's, not the guest's fault. */
export class RestoreError extends MachineError {
  override name = 'RestoreError';
}
