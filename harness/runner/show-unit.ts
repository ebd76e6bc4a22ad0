// `harness show-unit SCENARIO SERVICE`: what the harness installs for a service, as systemd
// reads it in the guest. The closure can only be computed in the guest, so this gets one
// (restored from a snapshot when it can), sets it up as the scenario would (files, sysctl,
// units, confinement), and prints `systemctl cat` of the unit: its file and every drop-in.
import { shellQuote } from '../util/quote.js';
import type { Accel } from '../scenario/types.js';
import type { GuestSpec, Scenario } from '../load/scenario.js';
import { chooseAccel, verdictFileIn } from '../vm/accel.js';
import { defaultCacheRoot } from '../vm/snapshot-cache.js';
import { loadImage } from '../vm/image.js';
import { stopReady, type GuestSource } from './guest-source.js';
import { preparedGuest } from './interactive.js';
import { unitName } from './setup.js';

/** The scenario names no such service: the user's mistake, not the guest's. */
export class UnknownServiceError extends Error {
  override name = 'UnknownServiceError';
}

export async function showUnit(scenario: Scenario, guestSpec: GuestSpec, serviceName: string, imagesDir: string, guests: GuestSource, accel?: Accel): Promise<string> {
  const service = guestSpec.services.find((s) => s.name === serviceName);
  if (!service) {
    const whose = scenario.guests.length > 1 ? `its guest ${guestSpec.name}` : `scenario "${scenario.name}"`;
    throw new UnknownServiceError(`${whose} declares no service ${serviceName} (declared: ${guestSpec.services.map((s) => s.name).join(', ') || 'none'})`);
  }
  const image = await loadImage(imagesDir, guestSpec.image ?? scenario.images[0]);
  const ready = await preparedGuest(scenario.file, guestSpec, image, await chooseAccel(accel ?? guestSpec.vm.accel ?? 'auto', { kernel: image.kernel, verdictFile: verdictFileIn(defaultCacheRoot()) }), guests);
  try {
    return await ready.guest.succeed(`systemctl cat --no-pager -- ${shellQuote(unitName(service))}`, { timeoutMs: 30_000 });
  } finally {
    await stopReady(ready);
  }
}
