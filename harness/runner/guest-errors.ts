// How an error of one of a scenario's guests reads: with several guests it names the guest,
// and its details end with that guest's last console lines.
import { describeError } from '../util/errors.js';
import { faultOf, FaultError } from '../util/fault.js';
import { MachineError, type Machine } from '../vm/machine.js';
import type { ScenarioGuest } from './scenario-guest.js';

/** An error of one of a scenario's several guests, which says which; its fault is the original's. */
export class GuestNamedError extends FaultError {
  constructor(readonly original: unknown, message: string, readonly machine?: Machine) {
    super(message, faultOf(original));
    this.name = original instanceof Error ? original.name : 'Error';
  }
}

export function named(slot: ScenarioGuest, err: unknown): unknown {
  if (!slot.label || err instanceof GuestNamedError) return err;
  const inner = err instanceof Error ? err.message : String(err);
  return new GuestNamedError(err, `${slot.label}${inner}`, slot.ready?.machine);
}

/** The error, then the guest's last console lines: the machine's, or those the error kept (a QEMU that never came up). */
export function errorDetails(err: unknown, machine: Machine | undefined): string {
  const kept = err instanceof MachineError ? err.serialTail : err instanceof GuestNamedError && err.original instanceof MachineError ? err.original.serialTail : [];
  const lines = machine ? machine.serial.tail(25) : kept;
  return describeError(err) + (lines.length ? `\n\nlast serial console lines:\n${lines.join('\n')}` : '');
}

/** The guest whose VM is gone, and why, when one is: every guest asked at once (each may
 *  take its second to answer), the first in the scenario's order named. */
export async function lostGuest(slots: readonly ScenarioGuest[]): Promise<{ slot: ScenarioGuest; reason: Error } | undefined> {
  const reasons = await Promise.all(slots.map((slot) => slot.ready?.machine.lostReason()));
  const index = reasons.findIndex((reason) => reason !== undefined);
  return index < 0 ? undefined : { slot: slots[index], reason: reasons[index]! };
}
