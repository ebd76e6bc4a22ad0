// `harness images refresh NAME` and `images prune NAME`: when the archive moved an image's
// packages, the image is kept as a baseline NAME@SYSTEMD-VERSION and NAME is built anew
// from today's archive beside it; then only the newest N baselines of NAME stay.
// Exit 0 built (or nothing moved), 2 a bad image or usage, 3 the archive or the build failed.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { readImageRecord } from '../archive/image-record.js';
import { describeMoved } from '../archive/outdated.js';
import { EXIT } from '../runner/run.js';
import { baselineName, baselinesToPrune, keepAsBaseline, listBaselines, parseBaselineName, removeBaseline, restoreBaseline } from '../vm/baselines.js';
import { listImages } from '../vm/image.js';
import { REPO_ROOT, UsageError } from './command.js';
import { archiveFailure, outdatedImages, type OutdatedOptions } from './images-outdated.js';

export const DEFAULT_KEEP = 3;

export interface RefreshOptions extends OutdatedOptions {
  keep: number;
  /** Build even when nothing moved (a baseline of the same versions is then kept too). */
  force?: boolean;
  out: { write(chunk: string): unknown };
  /** Builds NAME into imagesDir (default: images/build-if-needed.sh); resolves to its output, throws with it. */
  build?: (name: string, env: Record<string, string>) => Promise<void>;
}

/** What build-if-needed.sh needs to build NAME again as it was built: its images.list row,
 *  or for a derived or candidate image the base and the packages or .debs (image.json). */
async function buildEnv(imagesDir: string, name: string): Promise<Record<string, string>> {
  const meta = JSON.parse(await readFile(path.join(imagesDir, name, 'image.json'), 'utf8')) as Record<string, unknown>;
  const env: Record<string, string> = { HARNESS_IMAGES: path.resolve(imagesDir) };
  const base = typeof meta.base === 'string' ? meta.base : '';
  if (base && base !== name) {
    env.BASE = base;
    if (typeof meta.addedPackages === 'string' && meta.addedPackages) env.PACKAGES = meta.addedPackages;
    if (typeof meta.debs === 'string' && meta.debs) env.DEBS = meta.debs;
  }
  return env;
}

function scriptBuild(out: RefreshOptions['out']) {
  return async (name: string, env: Record<string, string>) => {
    const child = execa(path.join(REPO_ROOT, 'images/build-if-needed.sh'), [name], { env, all: true, reject: false });
    child.all?.on('data', (chunk: Buffer) => out.write(chunk.toString().replace(/^(?=.)/gm, `[${name}] `)));
    const result = await child;
    if (result.exitCode !== 0) throw new Error(`images/build-if-needed.sh ${name} failed (exit ${result.exitCode}):\n${String(result.all ?? '').split('\n').slice(-15).join('\n')}`);
  };
}

export async function refreshImage(name: string, options: RefreshOptions): Promise<number> {
  const { imagesDir, out } = options;
  if (parseBaselineName(name)) throw new UsageError(`${name} is a kept baseline: refresh ${parseBaselineName(name)!.of} instead`);
  let record;
  let moved;
  try {
    record = await readImageRecord(imagesDir, name);
    [{ moved }] = await outdatedImages([name], { ...options, out: undefined });
  } catch (err) {
    return archiveFailure(err, 'refresh');
  }
  out.write(`${describeMoved(name, moved)}\n`);
  if (moved.length === 0 && !options.force) {
    out.write(`${name}: kept as it is (--force builds it anew all the same)\n`);
    return EXIT.ok;
  }
  const env = await buildEnv(imagesDir, name);
  const meta = await readFile(path.join(imagesDir, name, 'image.json'), 'utf8');
  const baseline = baselineName(name, record.packages.systemd ?? 'unrecorded', await listImages(imagesDir));
  await keepAsBaseline(imagesDir, name, baseline);
  out.write(`kept ${name} as ${baseline}; building ${name} from the archive as it is now\n`);
  try {
    await (options.build ?? scriptBuild(out))(name, env);
  } catch (err) {
    await restoreBaseline(imagesDir, baseline, name, meta);
    process.stderr.write(`harness images refresh: ${(err as Error).message}\n${name} is back as it was; no baseline kept\n`);
    return EXIT.infrastructure;
  }
  const built = await readImageRecord(imagesDir, name).catch(() => undefined);
  out.write(`built ${name} (systemd ${built?.packages.systemd ?? '?'}) beside ${baseline} (systemd ${record.packages.systemd ?? '?'}); both run with --image\n`);
  await prune(name, options);
  return EXIT.ok;
}

/** Removes the baselines of NAME beyond the newest KEEP, saying which go and why. */
export async function prune(name: string, options: Pick<RefreshOptions, 'imagesDir' | 'keep' | 'out'>): Promise<string[]> {
  const baselines = await listBaselines(options.imagesDir, await listImages(options.imagesDir));
  const going = baselinesToPrune(baselines, name, options.keep);
  for (const baseline of going) {
    await removeBaseline(options.imagesDir, baseline.name);
    options.out.write(`pruned ${baseline.name} (kept ${baseline.keptAt || 'at an unrecorded time'}): only the newest ${options.keep} baseline(s) of ${name} stay\n`);
  }
  const staying = baselines.filter((b) => b.of === name && !going.includes(b)).map((b) => b.name);
  options.out.write(`${name}: ${staying.length ? `baselines kept: ${staying.join(', ')}` : 'no baseline kept'}\n`);
  return going.map((b) => b.name);
}
