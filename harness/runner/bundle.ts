// Failure bundles: what a failed scenario leaves for whoever reads the report (the serial
// log, the boot's journal, each service's status), and with --save-failure the guest itself
// (memory and disk), which `harness repro` restores on this machine's build of the image.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Guest } from '../guest/guest.js';
import type { Scenario } from '../load/scenario.js';
import type { ServiceSpec } from '../scenario/types.js';
import { firstLine } from '../util/errors.js';
import { shellQuote } from '../util/quote.js';
import { loadImage, ImageError, type ImageInfo } from '../vm/image.js';
import type { Machine } from '../vm/machine.js';
import type { VmSpec } from '../vm/spec.js';
import { restoreSaved, type ReadyGuest } from './guest-source.js';
import { unitName } from './setup.js';
import type { ScenarioGuest } from './scenario-guest.js';

/** A file name's longest stretch of a suite's name under artifacts/. */
const FOLDER_NAME_MAX = 80;

const asFileName = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');

/**
 * A suite's evidence folder under artifacts/: its name as a file name. One too long is cut
 * in its middle, keeping the image of a matrix run (` [image]`) and a hash of the whole name,
 * so no two suites share a folder (the second's evidence would overwrite the first's).
 */
export function artifactsFolderName(suiteName: string): string {
  const whole = asFileName(suiteName) || 'scenario';
  if (whole.length <= FOLDER_NAME_MAX) return whole;
  const image = /\[([^\]]+)\]$/.exec(suiteName)?.[1];
  const tail = `-${createHash('sha256').update(suiteName).digest('hex').slice(0, 8)}${image ? `_${asFileName(image)}` : ''}`;
  return whole.slice(0, FOLDER_NAME_MAX - tail.length) + tail;
}

/** How long a guest a person asked for (shell, repro) may take to boot under TCG. */
export const BOOT_DEADLINE_MS = 180_000;
const BUNDLE_FORMAT = 1;
/** Saving a failed guest has a bound of its own (the scenario's may be what ran out): its
 *  memory and disk, under TCG on a busy host. */
const SAVE_FAILURE_MS = 90_000;

export interface BundleMeta {
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

/**
 * --save-failure: the guest saved into `dir`, or why not. saveBundle ends its own work (a
 * migration cancelled) before it fails, so nothing writes into what is then removed: half a
 * bundle is none. Saving pauses the guest; one handed over for a person (`keepRunning`)
 * runs again whatever happened.
 */
export async function saveFailedGuest(dir: string, scenario: Scenario, ready: ReadyGuest, { keepRunning = false } = {}): Promise<{ bundle: string } | { problem: string }> {
  try {
    return { bundle: await saveBundle(dir, scenario, ready, SAVE_FAILURE_MS) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return { problem: firstLine(err) };
  } finally {
    if (keepRunning) await ready.machine.resume().catch(() => {});
  }
}

/** Where a scenario's evidence goes: <root>/<suite>/ for its first run, and a folder of its
 *  own for each rerun (`--retries`), <root>/<suite>.attempt-N/, so no attempt's evidence
 *  overwrites another's. */
export function artifactsFolder(root: string, suiteName: string, attempt = 1): string {
  const name = artifactsFolderName(suiteName);
  return path.join(root, attempt > 1 ? `${name}.attempt-${attempt}` : name);
}

/** Serial log, the boot's journal and each service's status, for whoever reads the report. */
/** Each started guest's evidence: in `dir` for one guest, in `dir/NAME/` for each of several. */
export async function collectEvidenceOf(slots: readonly ScenarioGuest[], dir: string): Promise<string[]> {
  const several = slots.length > 1;
  const started = slots.filter((slot) => slot.ready);
  const files = await Promise.all(started.map((slot) => collectEvidence(several ? path.join(dir, slot.name) : dir, slot.ready!.machine, slot.ready!.guest, slot.spec.services)));
  return files.flat();
}

export async function collectEvidence(dir: string, machine: Machine, guest: Guest | undefined, services: readonly ServiceSpec[]): Promise<string[]> {
  const files: string[] = [];
  try {
    await mkdir(dir, { recursive: true });
    await machine.serial.poll();
    const serialCopy = path.join(dir, 'serial.log');
    await copyFile(machine.serialLogPath, serialCopy);
    files.push(serialCopy);
    if (guest) {
      const journal = await guest.exec('journalctl -b --no-pager -o short-monotonic', { timeoutMs: 20_000 });
      await writeFile(path.join(dir, 'journal.txt'), journal.stdout);
      files.push(path.join(dir, 'journal.txt'));
      const units = services.map((s) => shellQuote(unitName(s))).join(' ');
      if (units) {
        const status = await guest.exec(`systemctl status --no-pager --full -- ${units}`, { timeoutMs: 20_000 });
        await writeFile(path.join(dir, 'status.txt'), status.stdout + status.stderr);
        files.push(path.join(dir, 'status.txt'));
      }
    }
  } catch {
    // a bundle is a courtesy: a guest that is gone leaves a smaller one
  }
  return files;
}
