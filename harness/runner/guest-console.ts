// The guest's console for the steps that use it (`type:`, `key:`, `screen: serial`): the
// keyboard is QEMU's, and the serial console is read from its log with a cursor, so that a
// `screen: serial` step sees only what came after the last one that held.
import type { GuestConsole } from '../checks/context.js';
import type { Machine } from '../vm/machine.js';

export function guestConsole(machine: Machine): GuestConsole {
  // What the guest printed before the steps began (its boot, the setup) is not theirs to match.
  let cursor = machine.serial.size();
  return {
    press: (combinations) => machine.pressKeys(combinations),
    serial: async () => {
      const { text, end } = await machine.serial.readFrom(cursor);
      return { text, seen: () => (cursor = end) };
    },
  };
}
