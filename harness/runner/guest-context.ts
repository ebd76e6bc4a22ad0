// What a step running on one of a scenario's guests is given (CheckContext): that guest,
// its services' units, its console, and a reboot and an upgrade that keep the rest of the
// scenario (the private network, the versions later steps' `when:` read) in step.
import type { CheckContext } from '../checks/context.js';
import { guestConsole } from './guest-console.js';
import type { ReadyGuest } from './guest-source.js';
import { networkCommand } from './guest-network.js';
import { rebootGuest } from './reboot.js';
import type { ScenarioGuest } from './scenario-guest.js';
import { unitName } from './setup.js';
import { upgradeGuest } from './upgrade.js';

const MAX_COMMAND_MS = 60_000;
const NETWORK_COMMAND_MS = 60_000;
// A reboot is a shutdown and a boot (see BOOT_DEADLINE_MS in scenario-run.ts).
const REBOOT_DEADLINE_MS = { kvm: 120_000, tcg: 360_000 };

export interface ContextOptions {
  /** The scenario's deadline (ms since the epoch): every bound stays inside it. */
  deadline: number;
  /** The guests on the private network, when there is one: a rebooted guest joins it again. */
  network?: readonly ScenarioGuest[];
}

export function guestContext(slot: ScenarioGuest, ready: ReadyGuest, options: ContextOptions): CheckContext {
  const timeLeft = () => options.deadline - Date.now();
  const members = options.network?.map((s) => ({ name: s.name, index: s.index }));
  return {
    // a getter: a reboot puts the new boot's connection in `ready`
    get guest() {
      return ready.guest;
    },
    unitOf: (name) => {
      const service = slot.spec.services.find((s) => s.name === name);
      return service ? unitName(service) : name;
    },
    commandTimeoutMs: () => Math.max(1000, Math.min(MAX_COMMAND_MS, timeLeft())),
    guestStartEpoch: ready.guestEpoch,
    reboot: async (rebootOptions = {}) => {
      const rebooted = await rebootGuest(ready, rebootOptions, Math.max(1000, Math.min(REBOOT_DEADLINE_MS[ready.machine.spec.accel], timeLeft())));
      // a new boot knows nothing of the private network: it joins again
      if (members) await ready.guest.succeed(networkCommand(slot, members), { timeoutMs: NETWORK_COMMAND_MS });
      return rebooted;
    },
    console: guestConsole(ready.machine),
    upgrade: async (packages, timeoutMs) => {
      const done = await upgradeGuest(ready.guest, slot.image, slot.versions, packages, Math.max(1000, Math.min(timeoutMs ?? timeLeft(), timeLeft())));
      // later steps' `when:` read what is installed now; the testsuite keeps both sets
      slot.versions = done.after;
      for (const [pkg, version] of Object.entries(done.after)) slot.set({ [`package.${pkg}.after-upgrade`]: version ?? 'not installed' });
      return done;
    },
  };
}
