// How `harness run` builds the images guests' `packages:` derive: the checkout's (or the
// installed package's) images/build-if-needed.sh, BASE and PACKAGES set (and DEBS, for a
// candidate's), its output shown line by line as progress. It builds nothing when the image
// is built and current.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { buildProblem, ImageBuildError, type BuildImage } from '../runner/derived-images.js';
import { REPO_ROOT } from './command.js';

/** What a derived image is built on: an image of images.list as it is, or for a candidate
 *  (built with BASE and DEBS), the same row and the same folder of .debs. */
async function buildBase(imagesDir: string, base: string): Promise<{ BASE: string; DEBS: string }> {
  const meta = JSON.parse(await readFile(path.join(imagesDir, base, 'image.json'), 'utf8').catch(() => '{}')) as { base?: string; debs?: string };
  return meta.debs && meta.base ? { BASE: meta.base, DEBS: meta.debs } : { BASE: base, DEBS: '' };
}

export function imageBuilder(imagesDir: string, log: (line: string) => void): BuildImage {
  return async (image) => {
    const child = execa(path.join(REPO_ROOT, 'images/build-if-needed.sh'), [image.name], {
      env: { ...(await buildBase(imagesDir, image.base)), PACKAGES: image.packages.join(','), HARNESS_IMAGES: path.resolve(imagesDir) },
      all: true,
      reject: false,
    });
    let partial = '';
    child.all?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(`[${image.name}] ${line}`);
    });
    const result = await child;
    if (result.exitCode === 0) return;
    const problem = buildProblem(String(result.all ?? ''));
    throw new ImageBuildError(`image ${image.name} (${image.base} with ${image.packages.join(', ')}) could not be built, so nothing was booted:\n${problem.words}`, problem.byScenario);
  };
}
