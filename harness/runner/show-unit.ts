// `harness show-unit SCENARIO SERVICE`: what the harness installs for a service, as systemd
// reads it in the guest. The closure can only be computed in the guest, so this boots one,
// sets it up as the scenario would (files, sysctl, units, confinement), and prints
// `systemctl cat` of the unit: its file and every drop-in, each under its path.
import { Guest } from '../guest/guest.js';
import { shellQuote } from '../guest/quote.js';
import type { Accel, Scenario } from '../scenario/types.js';
import { chooseAccel } from '../vm/accel.js';
import { loadImage } from '../vm/image.js';
import { Machine } from '../vm/machine.js';
import { resolveVmSpec } from '../vm/spec.js';
import { prepareGuest, unitName } from './setup.js';

const BOOT_DEADLINE_MS = 180_000;

export async function showUnit(scenario: Scenario, serviceName: string, imagesDir: string, accel?: Accel): Promise<string> {
  const service = scenario.services.find((s) => s.name === serviceName);
  if (!service) throw new Error(`scenario "${scenario.name}" declares no service ${serviceName} (declared: ${scenario.services.map((s) => s.name).join(', ') || 'none'})`);
  const image = await loadImage(imagesDir, scenario.images[0]);
  const choice = await chooseAccel(accel ?? scenario.vm.accel ?? 'auto');
  const machine = await Machine.boot(resolveVmSpec(image, scenario.vm, choice.accel));
  let guest: Guest | undefined;
  try {
    guest = await Guest.connect({
      port: machine.sshPort,
      user: image.user,
      privateKeyPath: image.privateKey,
      hostKeyFingerprint: image.hostKeyFingerprint,
      deadlineMs: BOOT_DEADLINE_MS,
      lost: machine.lost,
    });
    await prepareGuest(guest, scenario, 60_000);
    return await guest.succeed(`systemctl cat --no-pager -- ${shellQuote(unitName(service))}`, { timeoutMs: 30_000 });
  } finally {
    guest?.close();
    await machine.stop();
  }
}
