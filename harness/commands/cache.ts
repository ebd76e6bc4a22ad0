// `harness cache list|clear`: the booted-guest snapshots kept between runs, and the images
// derived for guests' `packages:` and for package mutants (kept in the images folder,
// rebuilt when asked for again).
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from '../runner/run.js';
import { listImages } from '../vm/image.js';
import { SnapshotCache } from '../vm/snapshot-cache.js';
import { IMAGES_DIR_HELP, IMAGES_DIR_OPTION, imagesDir, UsageError, type Command } from './command.js';

/** The images of the folder that a guest's `packages:` derived (image.json's addedPackages)
 *  or a package mutant did (image.json's mutant). */
export async function derivedImages(dir: string): Promise<{ name: string; added: string }[]> {
  const found = [];
  for (const name of await listImages(dir)) {
    const meta = JSON.parse(await readFile(path.join(dir, name, 'image.json'), 'utf8').catch(() => '{}')) as {
      addedPackages?: string;
      base?: string;
      mutant?: { name?: string; package?: string };
    };
    if (meta.addedPackages) found.push({ name, added: `${meta.base ?? '?'} with ${meta.addedPackages.split(',').join(', ')}` });
    else if (meta.mutant) found.push({ name, added: `${meta.base ?? '?'} with package mutant ${meta.mutant.name ?? '?'} (${meta.mutant.package ?? '?'})` });
  }
  return found;
}

export const cacheCommand: Command = {
  name: 'cache',
  synopsis: 'cache list|clear',
  summary: 'The booted-guest snapshots kept between runs, and where (HARNESS_CACHE_DIR, else\nXDG_CACHE_HOME, else ~/.cache); the images built for guests\' `packages:` and package mutants.',
  options: IMAGES_DIR_OPTION,
  optionsHelp: IMAGES_DIR_HELP,
  async run(values, args) {
    const cache = new SnapshotCache();
    const [action] = args;
    if (action === 'clear' && args.length === 1) {
      const { removed, inUse } = await cache.clear();
      const kept = inUse ? `; kept ${inUse} a running guest uses (clear again once it has stopped)` : '';
      process.stdout.write(`removed ${removed} snapshot(s) from ${cache.root}${kept}\n`);
      const derived = await derivedImages(imagesDir(values));
      for (const image of derived) await rm(path.join(imagesDir(values), image.name), { recursive: true, force: true });
      process.stdout.write(`removed ${derived.length} image(s) built for packages: or package mutants from ${imagesDir(values)}\n`);
      return EXIT.ok;
    }
    if (action !== 'list' || args.length !== 1) throw new UsageError('cache needs `list` or `clear`');
    const entries = await cache.list();
    process.stdout.write(`${cache.root}: ${entries.length} snapshot(s), ${formatBytes(entries.reduce((n, e) => n + e.bytes, 0))}\n`);
    for (const e of entries) {
      const what = e.meta ? `${String(e.meta.describes.image)} ${String(e.meta.describes.cmdline).split(' ').slice(-2).join(' ')} ${String(e.meta.describes.accel)}` : '';
      process.stdout.write(`  ${e.key}  ${formatBytes(e.bytes).padStart(8)}  last used ${e.lastUsed.toISOString()}  ${e.problem ? `damaged: ${e.problem}` : what}\n`);
    }
    const derived = await derivedImages(imagesDir(values));
    process.stdout.write(`${imagesDir(values)}: ${derived.length} image(s) built for packages: or package mutants\n`);
    for (const image of derived) process.stdout.write(`  ${image.name}  (${image.added})\n`);
    return EXIT.ok;
  },
};

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(0)} MiB`;
}
