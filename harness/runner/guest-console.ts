// The guest's console for the steps that use it (`type:`, `key:`, `screen: serial`): the
// keyboard is QEMU's, and the serial console is read from its log: what came since the
// last `screen: serial` step that found what it waited for, everything since the steps
// began, and the line the cursor is on now.
import type { GuestConsole } from '../checks/context.js';
import type { Machine } from '../vm/machine.js';
import { logText } from '../vm/serial.js';

/** Made when the scenario's steps begin, for each of its guests at once. */
export function guestConsole(machine: Machine): GuestConsole {
  // What the guest printed before the steps began (its boot, the setup) is not theirs to match.
  const stepsBegan = machine.serial.size();
  let cursor = stepsBegan;
  return {
    press: (combinations) => machine.pressKeys(combinations),
    serial: async () => {
      const { bytes, end } = await machine.serial.readBytes(0);
      const all = logText(bytes);
      return {
        sinceHeld: logText(bytes.subarray(cursor)),
        sinceSteps: logText(bytes.subarray(stepsBegan)),
        line: all.slice(all.lastIndexOf('\n') + 1),
        seen: () => (cursor = end),
      };
    },
  };
}
