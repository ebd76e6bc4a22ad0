// How `harness run` builds the images guests' `packages:` derive, and `harness mutants` a
// package mutant's: the checkout's (or the installed package's) images/build-if-needed.sh,
// BASE and PACKAGES set (DEBS for a candidate's, and MUTANT for a mutant's), its output shown
// line by line as progress. It builds nothing when the image is built and current.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { buildProblem, ImageBuildError, type BuildImage } from '../runner/derived-images.js';
import type { ImageRecipe } from '../mutants/package-image.js';
import { REPO_ROOT } from './command.js';

const BUILD = path.join(REPO_ROOT, 'images/build-if-needed.sh');

/** What a derived image is built on: an image of images.list as it is, or for a candidate
 *  (built with BASE and DEBS), the same row and the same folder of .debs; for a package
 *  mutant's image, that and MUTANT, so it keeps what its base carries. */
async function buildBase(imagesDir: string, base: string): Promise<Record<string, string>> {
  const meta = JSON.parse(await readFile(path.join(imagesDir, base, 'image.json'), 'utf8').catch(() => '{}')) as { base?: string; debs?: string; mutant?: { name?: string } };
  if (!meta.debs || !meta.base) return { BASE: base, DEBS: '' };
  return { BASE: meta.base, DEBS: meta.debs, ...(meta.mutant?.name ? { MUTANT: meta.mutant.name } : {}) };
}

/** Runs build-if-needed.sh for `name`, each line of its output to `log` marked with the
 *  name; resolves to its exit status and whole output. */
async function runBuild(name: string, env: Record<string, string>, log: (line: string) => void): Promise<{ exitCode: number; output: string }> {
  const child = execa(BUILD, [name], { env, all: true, reject: false });
  let partial = '';
  child.all?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) log(`[${name}] ${line}`);
  });
  const result = await child;
  return { exitCode: result.exitCode ?? 1, output: String(result.all ?? '') };
}

export function imageBuilder(imagesDir: string, log: (line: string) => void): BuildImage {
  return async (image) => {
    const env = { ...(await buildBase(imagesDir, image.base)), PACKAGES: image.packages.join(','), HARNESS_IMAGES: path.resolve(imagesDir) };
    const result = await runBuild(image.name, env, log);
    if (result.exitCode === 0) return;
    const problem = buildProblem(result.output);
    throw new ImageBuildError(`image ${image.name} (${image.base} with ${image.packages.join(', ')}) could not be built, so nothing was booted:\n${problem.words}`, problem.byScenario);
  };
}

/** The recipe as package mutants use it: an images.list row's suites, and a build. */
export function imageRecipe(log: (line: string) => void): ImageRecipe {
  return {
    async suites(image) {
      const { stdout } = await execa(BUILD, [image], { env: { DRY_RUN: '1' } });
      const settings = new Map(stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
      return { release: settings.get('RELEASE') ?? '', systemdSuite: settings.get('SYSTEMD_SUITE') ?? '', aptOptions: settings.get('APT_OPTIONS') ?? '' };
    },
    async build(name, env) {
      const result = await runBuild(name, env, log);
      if (result.exitCode !== 0) throw new Error(`images/build-if-needed.sh ${name} failed:\n${buildProblem(result.output).words}`);
    },
  };
}
