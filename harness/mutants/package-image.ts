// The image a package mutant runs on: its base image of images.list rebuilt by the same
// recipe, with the base's own package, at the version the base recorded, changed as the
// catalogue says and installed over it (images/build-if-needed.sh with BASE, DEBS and
// MUTANT). Its image.json records the mutant; it is built again only when the catalogue
// entry, the recorded version or the base image itself (rebuilt) changed.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../report/junit.js';
import { ScenarioError } from '../scenario/errors.js';
import { fetchDeb, type Suites } from './fetch-deb.js';
import type { FileChange, PackageMutant } from './package-catalogue.js';
import { debIdentity, repack, type ChangedFile } from './repack.js';

/** How images are built: the recipe's build-if-needed.sh, seen from above (commands/). */
export interface ImageRecipe {
  /** The images.list row of `image`, as the recipe reads it (RELEASE, SYSTEMD_SUITE, APT_OPTIONS). */
  suites(image: string): Promise<Suites>;
  /** Builds `name` unless built and current, with these settings; rejects with the build's words. */
  build(name: string, env: Record<string, string>): Promise<void>;
}

/** What image.json's `mutant` says. */
export interface MutantRecord {
  name: string;
  description?: string;
  base: string;
  package: string;
  version: string;
  files: ChangedFile[];
  /** The catalogue entry, FILE:LINE:COL. */
  catalogue: string;
  /** Of the entry's changes, the package version and the base as it was built. */
  hash: string;
}

export class PackageMutantError extends Error {
  override name = 'PackageMutantError';
}

/** `debian-bookworm~tty-world-writable`: `~` is in no Debian package name, so no image a
 *  scenario's `packages:` derives is ever named so. */
export function mutantImageName(mutant: Pick<PackageMutant, 'image' | 'name'>): string {
  return `${mutant.image}~${mutant.name}`;
}

interface ImageMeta {
  base?: string;
  debs?: string;
  recipeHash?: string;
  builtAt?: string;
  systemdSuite?: string;
  packages?: Record<string, string | null>;
  mutant?: MutantRecord;
}

async function readMeta(imagesDir: string, name: string): Promise<ImageMeta | undefined> {
  return readFile(path.join(imagesDir, name, 'image.json'), 'utf8').then((t) => JSON.parse(t) as ImageMeta, () => undefined);
}

/** The hash image.json keeps: what the image is made of, so a change to any part rebuilds it. */
export function mutantHash(mutant: PackageMutant, version: string, base: ImageMeta): string {
  const change = (c: FileChange) => ({ path: c.path, kind: c.kind, ...(c.kind === 'content' ? { content: c.content } : {}), ...(c.kind === 'edit' ? { replace: c.replace, with: c.with } : {}) });
  const made = { format: 1, package: mutant.package, version, files: mutant.files.map(change), base: { name: mutant.image, recipeHash: base.recipeHash, builtAt: base.builtAt } };
  return createHash('sha256').update(JSON.stringify(made)).digest('hex').slice(0, 16);
}

/**
 * Builds the mutant's image unless it is built from this very entry and base. Resolves to its
 * name and whether it was built now; rejects with PackageMutantError (the base, the archive,
 * the build) or ScenarioError (a change that does not apply, at its catalogue place).
 */
export async function mutantImage(mutant: PackageMutant, imagesDir: string, recipe: ImageRecipe, log: (line: string) => void): Promise<{ name: string; built: boolean }> {
  const name = mutantImageName(mutant);
  const catalogue = path.relative(process.cwd(), mutant.at.file);
  const where = `${catalogue.startsWith('..') ? mutant.at.file : catalogue}:${mutant.at.line}:${mutant.at.col}`;
  const base = await readMeta(imagesDir, mutant.image);
  if (!base) throw new PackageMutantError(`${where}: the base image ${mutant.image} is not built in ${imagesDir}: build it with \`images/build-if-needed.sh ${mutant.image}\``);
  if (base.base) throw new PackageMutantError(`${where}: ${mutant.image} is itself built on ${base.base}; a package mutant changes an image of images.list`);
  const version = base.packages?.[mutant.package];
  if (version === undefined) throw new PackageMutantError(`${where}: ${mutant.image} records no version of ${mutant.package} (image.json "packages": ${Object.keys(base.packages ?? {}).join(', ')}); record it (images/debian/package-versions.sh) or change a package it records`);
  if (version === null) throw new PackageMutantError(`${where}: ${mutant.package} is not installed in ${mutant.image}`);
  const hash = mutantHash(mutant, version, base);
  if ((await readMeta(imagesDir, name))?.mutant?.hash === hash) return { name, built: false };

  // Beside the image, so that the folder moves into it at the end (one file system).
  await mkdir(imagesDir, { recursive: true });
  const staging = await mkdtemp(path.join(imagesDir, `.${name}.debs-`));
  try {
    log(`[${name}] ${mutant.package} ${version} from ${mutant.image}'s suites …`);
    const original = await fetchDeb(mutant.package, version, await recipe.suites(mutant.image), path.join(staging, 'original'));
    const got = await debIdentity(original);
    if (got.version !== version) throw new PackageMutantError(`${where}: apt gave ${mutant.package} ${got.version}, not ${version}`);
    const { changed } = await repack(original, mutant.files, staging);
    await rm(path.join(staging, 'original'), { recursive: true, force: true });
    log(`[${name}] repacked: ${changed.map((c) => `${c.path} ${c.change}`).join(', ')}`);
    // The image as a whole is built again (an old one's debs would match nothing now).
    await rm(path.join(imagesDir, name), { recursive: true, force: true });
    await recipe.build(name, { BASE: mutant.image, DEBS: staging, MUTANT: mutant.name, HARNESS_IMAGES: path.resolve(imagesDir) });
    const built = await readMeta(imagesDir, name);
    const moved = Object.entries(base.packages ?? {}).filter(([pkg, v]) => built?.packages?.[pkg] !== v);
    if (moved.length) {
      const list = moved.map(([pkg, v]) => `${pkg} ${v ?? 'not installed'} in ${mutant.image}, ${built?.packages?.[pkg] ?? 'not installed'} now`).join('; ');
      throw new PackageMutantError(`${where}: the archive moved since ${mutant.image} was built (${list}): the mutant image would differ from its base in more than the mutant; rebuild ${mutant.image}`);
    }
    // The .debs stay with the image: an image a scenario's `packages:` derives from it is
    // built from the same folder (image.json's `debs`).
    const debs = path.join(imagesDir, name, 'debs');
    await rename(staging, debs);
    const record: MutantRecord = {
      name: mutant.name, ...(mutant.description ? { description: mutant.description } : {}), base: mutant.image, package: mutant.package,
      version, files: changed, catalogue: where, hash,
    };
    // build.sh named the staging folder: the image names where the .debs are now
    const relocated = { debs: path.resolve(debs), ...(built?.systemdSuite?.startsWith('folder ') ? { systemdSuite: `folder ${path.resolve(debs)}` } : {}) };
    await writeFileAtomically(path.join(imagesDir, name, 'image.json'), `${JSON.stringify({ ...built, ...relocated, mutant: record }, null, 2)}\n`);
    return { name, built: true };
  } catch (err) {
    if (err instanceof ScenarioError || err instanceof PackageMutantError) throw err;
    throw new PackageMutantError(`${where}: ${mutant.name}: ${(err as Error).message}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
