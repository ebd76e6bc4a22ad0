// An image kept as a baseline when a refresh builds its successor: NAME@VERSION (VERSION the
// systemd it has), beside NAME in the images folder, runnable with --image like any image.
// Old baselines go by one rule: keep the newest N of each image. Pure but for the folder
// listing and the moves in keepAsBaseline/removeBaseline.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Baseline {
  /** The folder's name, NAME@VERSION. */
  name: string;
  /** The image it was kept from (NAME). */
  of: string;
  /** When the refresh kept it (image.json's keptAt), ISO 8601; '' when not recorded. */
  keptAt: string;
}

/** NAME@VERSION → NAME and VERSION; undefined for a name that is no baseline's. */
export function parseBaselineName(name: string): { of: string; version: string } | undefined {
  const at = name.indexOf('@');
  if (at <= 0 || at === name.length - 1) return undefined;
  return { of: name.slice(0, at), version: name.slice(at + 1) };
}

/** The baseline's name for NAME with systemd VERSION: NAME@VERSION, or, when a baseline of
 *  that version is kept already (another package moved), NAME@VERSION.2, .3, … */
export function baselineName(name: string, version: string, taken: string[]): string {
  const plain = `${name}@${version}`;
  if (!taken.includes(plain)) return plain;
  for (let n = 2; ; n++) if (!taken.includes(`${plain}.${n}`)) return `${plain}.${n}`;
}

/** The baselines of IMAGE to remove so that the newest KEEP stay, oldest first. */
export function baselinesToPrune(baselines: Baseline[], image: string, keep: number): Baseline[] {
  if (!Number.isInteger(keep) || keep < 0) throw new Error(`keep must be a whole number 0 or more, got ${keep}`);
  const mine = baselines.filter((b) => b.of === image).sort((a, b) => b.keptAt.localeCompare(a.keptAt) || b.name.localeCompare(a.name));
  return mine.slice(keep).reverse();
}

/** The baselines among IMAGES (folder names) in DIR, with when each was kept. */
export async function listBaselines(dir: string, images: string[]): Promise<Baseline[]> {
  const found: Baseline[] = [];
  for (const name of images) {
    const parsed = parseBaselineName(name);
    if (!parsed) continue;
    const meta = JSON.parse(await readFile(path.join(dir, name, 'image.json'), 'utf8').catch(() => '{}')) as { keptAt?: unknown };
    found.push({ name, of: parsed.of, keptAt: typeof meta.keptAt === 'string' ? meta.keptAt : '' });
  }
  return found;
}

/** Moves DIR/NAME to DIR/BASELINE and says so in its image.json (name, baselineOf, keptAt). */
export async function keepAsBaseline(dir: string, name: string, baseline: string, now = new Date()): Promise<void> {
  await rename(path.join(dir, name), path.join(dir, baseline));
  const file = path.join(dir, baseline, 'image.json');
  const meta = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, `${JSON.stringify({ ...meta, name: baseline, baselineOf: name, keptAt: now.toISOString() }, null, 2)}\n`);
}

/** Undoes keepAsBaseline: a refresh whose build failed leaves the image as it found it. */
export async function restoreBaseline(dir: string, baseline: string, name: string, meta: string): Promise<void> {
  await rm(path.join(dir, name), { recursive: true, force: true });
  await rename(path.join(dir, baseline), path.join(dir, name));
  await writeFile(path.join(dir, name, 'image.json'), meta);
}

export async function removeBaseline(dir: string, baseline: string): Promise<void> {
  if (!parseBaselineName(baseline)) throw new Error(`${baseline} is not a baseline (NAME@VERSION): not removing it`);
  await rm(path.join(dir, baseline), { recursive: true, force: true });
}
