// Where a scenario's guest comes from: a cold boot, or a booted guest restored from the
// snapshot cache. Both hand back the same thing, a guest ready for its first command, so
// the scenario's life does not care which it got.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Guest, GuestError } from '../guest/guest.js';
import type { ImageInfo } from '../vm/image.js';
import { GuestFatal, Machine, RestoreError, type SavedState } from '../vm/machine.js';
import { describeSnapshot, SnapshotCache, type GuestFacts, type Made } from '../vm/snapshot-cache.js';
import type { VmSpec } from '../vm/spec.js';
import { qemuVersion } from '../vm/version.js';
import { firstLine } from '../util/errors.js';
import type { Fault } from '../util/fault.js';
import { trace } from '../util/trace.js';

export interface ReadyGuest {
  machine: Machine;
  guest: Guest;
  facts: GuestFacts;
  /** The guest's clock once ready, in seconds since the epoch: `journal` steps look from here. */
  guestEpoch: number;
  /** How the guest came to be, for the report. */
  origin: 'cold boot' | 'snapshot made' | 'snapshot restored';
  /** From asking for a guest to its first command answered. */
  readyMs: number;
  /** The cold boot's share, when there was one (to SSH answering). */
  bootMs?: number;
  /** Worth telling, not failures: a damaged snapshot remade, a cache that could not be used. */
  notices: string[];
}

/** A failed scenario's guest left running for a person (`--keep-on-failure`), as the run names it. */
export interface KeptGuest {
  ready: ReadyGuest;
  suiteName: string;
  image: ImageInfo;
}

/** The one way a ready guest ends: its SSH connection closed, then its VM stopped. */
export async function stopReady(ready: ReadyGuest): Promise<void> {
  ready.guest.close();
  await ready.machine.stop();
}

export interface StartOptions {
  /** Bound on getting a ready guest. */
  deadlineMs: number;
  /** The run was interrupted: give up, and start nothing new. */
  signal: AbortSignal;
}

export interface GuestSource {
  start(spec: VmSpec, options: StartOptions): Promise<ReadyGuest>;
}

/** SSH to the machine's guest, its host key checked against the image's; bounded by
 *  `deadlineMs`, and over at once when the VM is lost or stopped. A guest that never
 *  answers is the host's fault unless `unreachable` says otherwise (after a reboot). */
export function connect(machine: Machine, image: ImageInfo, deadlineMs: number, unreachable: Fault = 'host'): Promise<Guest> {
  return Guest.connect({
    port: machine.sshPort,
    user: image.user,
    privateKeyPath: image.privateKey,
    hostKeyFingerprint: image.hostKeyFingerprint,
    deadlineMs,
    lost: machine.gone,
    unreachable,
  });
}

const RESTORED_SSH_MS = 60_000;
const FACTS_COMMAND = 'systemctl --version | head -n1; uname -r';

function parseFacts(output: string): GuestFacts {
  const [systemd = '', kernel = ''] = output.trim().split('\n');
  return { systemd, kernel };
}

/** Boots the image from scratch: what every scenario paid before snapshots. */
export class ColdBoot implements GuestSource {
  async start(spec: VmSpec, options: StartOptions): Promise<ReadyGuest> {
    const started = Date.now();
    const machine = await Machine.boot(spec);
    try {
      // A little under the caller's own bound, so the more telling SSH error wins the race.
      const guest = await connect(machine, spec.image, Math.max(1000, options.deadlineMs - 2000));
      const bootMs = Date.now() - started;
      const output = await guest.succeed(`${FACTS_COMMAND}; date +%s`, { timeoutMs: 30_000 });
      const lines = output.trim().split('\n');
      const guestEpoch = Number(lines.pop());
      return { machine, guest, facts: parseFacts(lines.join('\n')), guestEpoch, origin: 'cold boot', readyMs: Date.now() - started, bootMs, notices: [] };
    } catch (err) {
      await machine.stop();
      throw err;
    }
  }
}

/**
 * Restores a booted guest from the cache, making the snapshot first when there is none.
 * The cache is a speed-up, never a reason to fail: when it cannot be used (a full disk,
 * a state QEMU will not load twice) the scenario gets a cold boot and the run a notice.
 */
export class SnapshotRestore implements GuestSource {
  private readonly coldBoot = new ColdBoot();

  constructor(readonly cache: SnapshotCache = new SnapshotCache()) {}

  async start(spec: VmSpec, options: StartOptions): Promise<ReadyGuest> {
    const started = Date.now();
    const notices: string[] = [];
    trace('guest wanted');
    const describes = await describeSnapshot(spec, await qemuVersion());
    trace('snapshot key known');
    for (let attempt = 1; attempt <= 2; attempt++) {
      let found;
      try {
        found = await this.cache.lookup(describes, (dir) => makeSnapshot(spec, dir, options.deadlineMs));
      } catch (err) {
        // A guest that cannot boot would not boot cold either: that is the scenario's error.
        if (options.signal.aborted || err instanceof GuestFatal || err instanceof GuestError) throw err;
        notices.push(`no snapshot could be made (${firstLine(err)}); booting cold`);
        break;
      }
      notices.push(...found.notices);
      trace(`snapshot ${found.made ? 'made' : 'found'}`);
      try {
        const ready = await restoreSaved(spec, found.entry, Math.max(1000, options.deadlineMs - (Date.now() - started)), found.entry.meta.facts);
        // the entry's disk layer backs this guest (a kept one too) until it stops
        ready.machine.gone.catch(() => void found.release());
        return {
          ...ready,
          origin: found.made ? 'snapshot made' : 'snapshot restored',
          readyMs: Date.now() - started,
          bootMs: found.made ? found.entry.meta.bootMs : undefined,
          notices,
        };
      } catch (err) {
        await found.release();
        if (!(err instanceof RestoreError) || options.signal.aborted) throw err;
        notices.push(`snapshot ${found.entry.key} could not be restored (${firstLine(err)}); ${attempt === 1 ? 'it is made again' : 'booting cold'}`);
        await this.cache.discard(found.entry);
      }
    }
    // The cache's trouble is not the boot's: a cold boot gets its whole bound (the
    // scenario's own timeout still bounds them both).
    const cold = await this.coldBoot.start(spec, options);
    return { ...cold, readyMs: Date.now() - started, notices: [...notices, ...cold.notices] };
  }
}

/** Boots cold, lets the boot settle, and saves the guest into `dir` (disk layer + memory). */
async function makeSnapshot(spec: VmSpec, dir: string, deadlineMs: number): Promise<Made> {
  const started = Date.now();
  const machine = await Machine.boot(spec, { overlay: path.join(dir, 'disk.qcow2') });
  try {
    const guest = await connect(machine, spec.image, Math.max(1000, deadlineMs - 2000));
    const bootMs = Date.now() - started;
    try {
      // Jobs still running at boot's end would run again in every restored guest.
      await guest.exec('systemctl is-system-running --wait', { timeoutMs: 90_000 });
      const facts = parseFacts(await guest.succeed(FACTS_COMMAND, { timeoutMs: 30_000 }));
      guest.close();
      await machine.saveState(path.join(dir, 'memory.state'));
      return { facts, bootMs };
    } finally {
      guest.close();
    }
  } finally {
    await machine.stop();
  }
}

/**
 * The first command a restored guest runs: set its clock to `nowMs`, stir `bytes` into its
 * kernel's pool, and print its clock in seconds. One process besides the shell (`date -s`):
 * the bytes go in as printf escapes and the clock comes out of bash's $EPOCHSECONDS, as
 * every program run in a guest just restored costs it fresh translation under TCG.
 */
export function clockCommand(nowMs: number, bytes: Uint8Array): string {
  const stir = Array.from(bytes, (b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  const at = `${Math.floor(nowMs / 1000)}.${String(nowMs % 1000).padStart(3, '0')}`;
  return `date -u -s @${at} >/dev/null && printf '${stir}' > /dev/urandom && echo "\${EPOCHSECONDS:-$(date +%s)}"`;
}

/**
 * A restored guest wakes with the clock and entropy of the moment it was saved, like
 * every other clone of it. Set the clock from the host and stir fresh bytes into the
 * kernel's pool before anything else runs. What stays shared, and why, is in
 * docs/snapshots.md (boot_id, machine-id, host keys).
 */
export async function restoreSaved(spec: VmSpec, saved: SavedState, deadlineMs: number, facts: GuestFacts): Promise<Omit<ReadyGuest, 'origin' | 'readyMs' | 'notices'>> {
  const machine = await Machine.restore(spec, saved);
  trace('QEMU up, saved state loaded, guest resumed');
  try {
    const guest = await connect(machine, spec.image, Math.min(deadlineMs, RESTORED_SSH_MS)).catch((err: Error) => {
      // A restored guest answers in a second or two; one that does not is a bad snapshot.
      throw err instanceof GuestError ? new RestoreError(`the restored guest did not answer over SSH: ${err.message}`) : err;
    });
    trace('SSH connected');
    const guestEpoch = Number((await guest.succeed(clockCommand(Date.now(), randomBytes(512)), { timeoutMs: 30_000 })).trim());
    trace('clock set: guest ready');
    return { machine, guest, facts, guestEpoch };
  } catch (err) {
    await machine.stop();
    throw err;
  }
}
