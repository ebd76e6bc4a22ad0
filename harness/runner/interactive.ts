// For a person at a terminal: get into a scenario's guest (`harness shell`), keep a failed
// one running (`--keep-on-failure`), and carry a failed guest's exact state to another
// machine (`--save-failure` writes a bundle, `harness repro BUNDLE` lands in it).
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Guest } from '../guest/guest.js';
import type { Scenario } from '../load/scenario.js';
import type { AccelChoice } from '../vm/accel.js';
import { loadImage, ImageError, type ImageInfo } from '../vm/image.js';
import type { Machine } from '../vm/machine.js';
import { resolveVmSpec, type VmSpec } from '../vm/spec.js';
import { restoreSaved, type GuestSource, type ReadyGuest } from './guest-source.js';
import { prepareGuest } from './setup.js';

const BOOT_DEADLINE_MS = 180_000;
const BUNDLE_FORMAT = 1;

/** A guest of `scenario` on `image`, set up as the scenario's steps would find it. */
export async function preparedGuest(scenario: Scenario, image: ImageInfo, accel: AccelChoice, guests: GuestSource): Promise<ReadyGuest> {
  const spec = resolveVmSpec(image, scenario.vm, accel.accel);
  const ready = await guests.start(spec, { deadlineMs: BOOT_DEADLINE_MS, signal: new AbortController().signal });
  try {
    await prepareGuest(ready.guest, scenario, 60_000);
    return ready;
  } catch (err) {
    ready.guest.close();
    await ready.machine.stop();
    throw err;
  }
}

/** The OpenSSH command that gets a person into the guest, its host key pinned. */
export async function sshCommand(machine: Machine, guest: Guest, image: ImageInfo): Promise<string[]> {
  const hostKey = (await guest.succeed('cat /etc/ssh/ssh_host_ed25519_key.pub', { timeoutMs: 10_000 })).trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHosts = path.join(machine.dir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${machine.sshPort} ${hostKey}\n`);
  return ['ssh', '-i', image.privateKey, '-p', String(machine.sshPort), '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes', `${image.user}@127.0.0.1`];
}

/** An interactive shell in the guest; returns when the person leaves it. */
export async function openShell(ready: ReadyGuest, image: ImageInfo): Promise<number> {
  const command = await sshCommand(ready.machine, ready.guest, image);
  const result = await execa(command[0], ['-t', ...command.slice(1)], { stdio: 'inherit', reject: false });
  return result.exitCode ?? 1;
}

// ── failure bundles ─────────────────────────────────────────────────────────

interface BundleMeta {
  format: number;
  scenario: string;
  image: string;
  hostKeyFingerprint: string;
  spec: Omit<VmSpec, 'image'>;
  savedAt: string;
}

/**
 * Saves a failed guest as it is: its memory, and its disk as one overlay directly on the
 * image's disk (the snapshot layer in between is folded in, so the bundle needs only the
 * image). The guest is paused afterwards; the caller stops it.
 */
export async function saveBundle(dir: string, scenario: Scenario, ready: ReadyGuest, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  await mkdir(dir, { recursive: true });
  const spec = ready.machine.spec;
  await ready.machine.saveState(path.join(dir, 'memory.state'), timeoutMs);
  const overlay = path.join(dir, 'disk.qcow2');
  await copyFile(path.join(ready.machine.dir, 'overlay.qcow2'), overlay);
  await execa('qemu-img', ['rebase', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', spec.image.disk, overlay], { timeout: Math.max(1000, deadline - Date.now()) });
  const { image, ...settings } = spec;
  const meta: BundleMeta = {
    format: BUNDLE_FORMAT,
    scenario: scenario.name,
    image: image.name,
    hostKeyFingerprint: image.hostKeyFingerprint,
    spec: settings,
    savedAt: new Date().toISOString(),
  };
  await writeFile(path.join(dir, 'bundle.json'), JSON.stringify(meta, null, 2) + '\n');
  return dir;
}

/** Restores a bundle on this machine's build of the same image. */
export async function restoreBundle(dir: string, imagesDir: string): Promise<{ ready: ReadyGuest; image: ImageInfo; meta: BundleMeta }> {
  let meta: BundleMeta;
  try {
    meta = JSON.parse(await readFile(path.join(dir, 'bundle.json'), 'utf8')) as BundleMeta;
  } catch (err) {
    throw new ImageError(`${dir} is not a failure bundle: ${(err as Error).message}`);
  }
  if (meta.format !== BUNDLE_FORMAT) throw new ImageError(`${dir}: bundle format ${meta.format}, this harness reads ${BUNDLE_FORMAT}`);
  const image = await loadImage(imagesDir, meta.image);
  if (image.hostKeyFingerprint !== meta.hostKeyFingerprint) {
    throw new ImageError(`${dir} was saved on another build of ${meta.image} (host key ${meta.hostKeyFingerprint}, this one's ${image.hostKeyFingerprint}): the disk layers would not match`);
  }
  const spec: VmSpec = { ...meta.spec, image };
  const disk = path.join(dir, 'disk.qcow2');
  // The same image lives at another path here: point the layer at it (the header only).
  await execa('qemu-img', ['rebase', '-q', '-u', '-f', 'qcow2', '-F', 'qcow2', '-b', image.disk, disk]);
  const saved = { disk, memory: path.join(dir, 'memory.state') };
  const restored = await restoreSaved(spec, saved, BOOT_DEADLINE_MS, { systemd: '', kernel: '' });
  const ready: ReadyGuest = { ...restored, origin: 'snapshot restored', readyMs: 0, notices: [] };
  return { ready, image, meta };
}
