// For a person at a terminal: a scenario's guest set up for `harness shell`, and a shell in
// it (or in a guest restored from a bundle by `harness repro`, bundle.ts).
import { execa } from 'execa';
import type { GuestSpec } from '../load/scenario.js';
import type { AccelChoice } from '../vm/accel.js';
import type { ImageInfo } from '../vm/image.js';
import { resolveVmSpec } from '../vm/spec.js';
import { stopReady, type GuestSource, type ReadyGuest } from './guest-source.js';
import { prepareGuest } from './setup.js';
import { sshCommand } from './ssh-command.js';
import { BOOT_DEADLINE_MS } from './bundle.js';


/** A guest of the scenario in `file` on `image`, set up as the scenario's steps would find it
 *  (one of several alone: without the private network and its peers). */
export async function preparedGuest(file: string, guestSpec: GuestSpec, image: ImageInfo, accel: AccelChoice, guests: GuestSource): Promise<ReadyGuest> {
  const spec = resolveVmSpec(image, guestSpec.vm, accel.accel);
  const ready = await guests.start(spec, { deadlineMs: BOOT_DEADLINE_MS, signal: new AbortController().signal });
  try {
    await prepareGuest(ready.guest, guestSpec, file, 60_000);
    return ready;
  } catch (err) {
    await stopReady(ready);
    throw err;
  }
}

/** An interactive shell in the guest; returns when the person leaves it. */
export async function openShell(ready: ReadyGuest, image: ImageInfo): Promise<number> {
  const command = await sshCommand(ready.machine, ready.guest, image);
  const result = await execa(command[0], ['-t', ...command.slice(1)], { stdio: 'inherit', reject: false });
  return result.exitCode ?? 1;
}
