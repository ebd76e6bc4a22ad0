// `harness images outdated [NAME…]`: asks the archive, as each image's build would, for the
// candidate version of every package the image records, and says what moved.
// Exit 0 nothing moved, 1 something did, 2 a bad image or usage, 3 the archive could not be read.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ArchiveError, candidateVersions, DEFAULT_MIRROR, openApt } from '../archive/apt.js';
import { aptSourceOf, ImageRecordError, parseImagesList, readImageRecord, type ListRow } from '../archive/image-record.js';
import { describeMoved, movedPackages, packagesToAsk, type Moved } from '../archive/outdated.js';
import { EXIT } from '../runner/run.js';
import { listImages } from '../vm/image.js';
import { REPO_ROOT, UsageError } from './command.js';

export interface OutdatedOptions {
  imagesDir: string;
  /** images.list to read suites and apt options from (default: the checkout's). */
  imagesList?: string;
  mirror?: string;
  out?: { write(chunk: string): unknown };
}

export interface ImageMoves {
  image: string;
  moved: Moved[];
}

export async function readImagesList(file = path.join(REPO_ROOT, 'images/debian/images.list')): Promise<ListRow[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ImageRecordError(`${file}: cannot read the images list`);
  }
  return parseImagesList(text, file);
}

/** What moved for each named image (every built one when none is named). Throws
 *  ImageRecordError for a bad image, ArchiveError when the archive cannot be read. */
export async function outdatedImages(names: string[], options: OutdatedOptions): Promise<ImageMoves[]> {
  const rows = await readImagesList(options.imagesList);
  const mirror = options.mirror ?? process.env.MIRROR ?? DEFAULT_MIRROR;
  const images = names.length ? names : await listImages(options.imagesDir);
  if (images.length === 0) throw new ImageRecordError(`no image is built in ${options.imagesDir}: nothing to ask about (build one with \`make images\`)`);
  // Read every image first: a bad one is named before minutes go to the archive.
  const records = await Promise.all(images.map((name) => readImageRecord(options.imagesDir, name)));
  const sources = records.map((record) => aptSourceOf(record, rows, mirror));
  // Images of the same release, suites and options share one apt.
  const byKey = new Map<string, number[]>();
  sources.forEach((source, i) => byKey.set(JSON.stringify(source), [...(byKey.get(JSON.stringify(source)) ?? []), i]));
  const result: ImageMoves[] = new Array(records.length);
  for (const indexes of byKey.values()) {
    const apt = await openApt(sources[indexes[0]]);
    try {
      for (const i of indexes) {
        const { packages, origins, name } = records[i];
        const asked = packagesToAsk(packages, origins);
        result[i] = { image: name, moved: movedPackages(packages, asked, await candidateVersions(apt, asked)) };
      }
    } finally {
      await apt.close();
    }
  }
  for (const { image, moved } of result) options.out?.write(`${describeMoved(image, moved)}\n`);
  return result;
}

export async function outdatedCommand(names: string[], options: OutdatedOptions): Promise<number> {
  try {
    const moves = await outdatedImages(names, { ...options, out: options.out ?? process.stdout });
    return moves.some((m) => m.moved.length > 0) ? EXIT.failed : EXIT.ok;
  } catch (err) {
    return archiveFailure(err, 'outdated');
  }
}

/** What `images outdated`/`refresh` make of a failure: a bad image is a usage error, an
 *  archive it cannot read an infrastructure one (its words on stderr); the rest is thrown. */
export function archiveFailure(err: unknown, command: string): number {
  if (err instanceof ImageRecordError) throw new UsageError(err.message);
  if (err instanceof ArchiveError) {
    process.stderr.write(`harness images ${command}: ${err.message}\n`);
    return EXIT.infrastructure;
  }
  throw err;
}
