// `harness show-unit SCENARIO SERVICE`: what the harness installs for a service, as systemd
// reads it in the guest. The closure can only be computed in the guest, so this gets one
// (restored from a snapshot when it can), sets it up as the scenario would (files, sysctl,
// units, confinement), and prints `systemctl cat` of the unit: its file and every drop-in.
import { shellQuote } from '../util/quote.js';
import type { Accel } from '../scenario/types.js';
import type { Scenario } from '../load/scenario.js';
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

export async function showUnit(scenario: Scenario, serviceName: string, imagesDir: string, guests: GuestSource, accel?: Accel): Promise<string> {
  const service = scenario.services.find((s) => s.name === serviceName);
  if (!service) {
    throw new UnknownServiceError(`scenario "${scenario.name}" declares no service ${serviceName} (declared: ${scenario.services.map((s) => s.name).join(', ') || 'none'})`);
  }
  const image = await loadImage(imagesDir, scenario.images[0]);
  const ready = await preparedGuest(scenario, image, await chooseAccel(accel ?? scenario.vm.accel ?? 'auto', { kernel: image.kernel, verdictFile: verdictFileIn(defaultCacheRoot()) }), guests);
  try {
    return await ready.guest.succeed(`systemctl cat --no-pager -- ${shellQuote(unitName(service))}`, { timeoutMs: 30_000 });
  } finally {
    await stopReady(ready);
  }
}
