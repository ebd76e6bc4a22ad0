// What the archive questions need of a built image: its image.json (release, systemd's
// suite, the recorded package versions and where each came from) and its images.list row
// (the apt options build.sh was given, which image.json does not record).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AptSource } from './apt.js';

export interface ImageRecord {
  name: string;
  /** The folder's image.json, for messages. */
  file: string;
  release: string;
  /** image.json's systemdSuite: the release, a suite (bookworm-backports), or "folder …" for a candidate. */
  systemdSuite: string;
  /** images.list's image this one was built from (derived and candidate images), else its own name. */
  recipe: string;
  packages: Record<string, string | null>;
  origins: Record<string, string | null>;
}

/** A bad image.json or images.list: the message names the file and what is wrong. */
export class ImageRecordError extends Error {
  override name = 'ImageRecordError';
}

/** A baseline kept by a refresh is NAME@VERSION: its recipe is NAME's. */
export function recipeName(imageName: string): string {
  return imageName.split('@')[0];
}

export async function readImageRecord(imagesDir: string, name: string): Promise<ImageRecord> {
  const file = path.join(imagesDir, name, 'image.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ImageRecordError(`image ${name}: ${file} is missing: no such built image in ${imagesDir}`);
  }
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ImageRecordError(`image ${name}: ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const field = (key: string): string => {
    const value = meta[key];
    if (typeof value !== 'string' || value === '') throw new ImageRecordError(`image ${name}: ${file} lacks "${key}"`);
    return value;
  };
  const map = (key: string): Record<string, string | null> => {
    const value = meta[key] ?? {};
    if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => v !== null && typeof v !== 'string')) {
      throw new ImageRecordError(`image ${name}: ${file}: "${key}" must map package names to strings or null`);
    }
    return value as Record<string, string | null>;
  };
  const packages = map('packages');
  if (Object.keys(packages).length === 0) throw new ImageRecordError(`image ${name}: ${file} records no "packages": nothing to ask the archive about`);
  const base = typeof meta.base === 'string' && meta.base ? meta.base : undefined;
  return {
    name,
    file,
    release: field('release'),
    systemdSuite: typeof meta.systemdSuite === 'string' && meta.systemdSuite ? meta.systemdSuite : field('release'),
    recipe: recipeName(base ?? name),
    packages,
    origins: map('packageOrigins'),
  };
}

/** images.list's row for NAME, as build-if-needed.sh reads it; undefined when no row names it. */
export interface ListRow {
  name: string;
  release: string;
  systemdSuite?: string;
  aptOptions: string[];
}

export function parseImagesList(text: string, file: string): ListRow[] {
  const rows: ListRow[] = [];
  text.split('\n').forEach((line, i) => {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) return;
    if (fields.length < 2) throw new ImageRecordError(`${file}:${i + 1}: "${line.trim()}" has no RELEASE column`);
    const [name, release, suite = '-', options = '-'] = fields;
    rows.push({ name, release, systemdSuite: suite === '-' ? undefined : suite, aptOptions: options === '-' ? [] : options.split(',').filter(Boolean) });
  });
  return rows;
}

/** The apt source build.sh used for the image: its row's suites and options, its image.json's release. */
export function aptSourceOf(record: ImageRecord, rows: ListRow[], mirror: string): AptSource {
  const row = rows.find((r) => r.name === record.recipe);
  if (!row) {
    throw new ImageRecordError(`image ${record.name}: no row "${record.recipe}" in images.list, so which suites and apt options built it is unknown; known: ${rows.map((r) => r.name).join(', ')}`);
  }
  if (row.release !== record.release) {
    throw new ImageRecordError(`image ${record.name}: ${record.file} says release ${record.release}, images.list's row ${row.name} says ${row.release}: rebuild it (images/build-if-needed.sh ${row.name})`);
  }
  return { mirror, release: record.release, systemdSuite: row.systemdSuite, options: row.aptOptions };
}
