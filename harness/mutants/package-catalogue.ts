// The `packages:` section of mutants/catalogue.yaml: a regression seeded the way real ones
// arrive, as a package. Each entry names a package of a base image and what to change in
// its files; the change is applied to that package at the version the base recorded, and
// only then can a change be found not to apply (repack.ts), so each one keeps its place.
import { optionalField, required, type Reader, type Value } from '../scenario/read.js';
import type { Location } from '../scenario/types.js';

/** Where a catalogue value is written: FILE:LINE:COL and its key path. */
export interface Place {
  at: Location;
  key: string;
}

/** One file of the package, and what becomes of it. */
export type FileChange = { path: string; place: Place } & (
  | { kind: 'remove' }
  | { kind: 'content'; content: string }
  | { kind: 'edit'; replace: string; with: string; replacePlace: Place }
);

export interface PackageMutant {
  name: string;
  description?: string;
  /** The image of images.list whose recorded version of `package` is changed. */
  image: string;
  package: string;
  files: FileChange[];
  /** Scenario names to run first: where the mutant is expected to show. */
  first: string[];
  at: Location;
}

const PACKAGE_KEYS = ['name', 'description', 'image', 'package', 'files', 'first'];
const CHANGE_KEYS = ['remove', 'content', 'replace', 'with'];
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

export function readPackageMutant(r: Reader, v: Value): PackageMutant | undefined {
  const fields = r.fields(v, PACKAGE_KEYS, 'a package mutant');
  if (!fields) return undefined;
  const text = (key: string, what: string) => {
    const field = required(r, fields, key, `a package mutant needs \`${key}:\` (${what})`);
    return field && r.nonEmptyString(field, what);
  };
  const name = text('name', 'its name');
  if (name !== undefined && !NAME.test(name)) r.fail(fields.get('name')!.at, fields.get('name')!.path, `a mutant's name is lowercase letters, digits and -, got "${name}"`);
  const image = text('image', 'the image of images.list whose package it changes');
  const pkg = text('package', 'a package the image records in image.json');
  if (pkg !== undefined && !DEBIAN_PACKAGE.test(pkg)) r.fail(fields.get('package')!.at, fields.get('package')!.path, `expected a Debian package name, got "${pkg}"`);
  const filesField = required(r, fields, 'files', 'a package mutant needs `files:` (each a path of the package: remove, content or replace/with)');
  const files = filesField && readChanges(r, filesField);
  const description = optionalField(fields, 'description', (d) => r.string(d, 'a description'));
  const first = optionalField(fields, 'first', (f) => r.stringList(f, 'scenario names')) ?? [];
  if (name === undefined || image === undefined || pkg === undefined || !files) return undefined;
  return { name, image, package: pkg, files, first, at: v.at, ...(description !== undefined ? { description } : {}) };
}

function readChanges(r: Reader, v: Value): FileChange[] | undefined {
  const entries = r.entries(v, 'the files it changes, each a path of the package');
  if (!entries) return undefined;
  if (entries.length === 0) return r.fail(v.at, v.path, 'name at least one file: a mutant that changes nothing proves nothing');
  const changes = entries.map(([path, entry]) => readChange(r, path, entry));
  return changes.every((c): c is FileChange => c !== undefined) ? changes : undefined;
}

function readChange(r: Reader, path: string, v: Value): FileChange | undefined {
  const place = { at: v.keyAt ?? v.at, key: v.path };
  if (!path.startsWith('/') || path.endsWith('/') || path.split('/').some((part) => part === '..' || part === '.')) {
    return r.fail(place.at, place.key, `expected an absolute path of a file the package ships, got "${path}"`);
  }
  const fields = r.fields(v, CHANGE_KEYS, 'a file change (remove: true, content: TEXT, or replace: TEXT with: TEXT)');
  if (!fields) return undefined;
  const kinds = ['remove', 'content', 'replace'].filter((k) => fields.has(k));
  if (kinds.length !== 1) {
    return r.fail(place.at, place.key, kinds.length ? `give one of remove, content or replace, not ${kinds.join(' and ')}` : 'say what becomes of the file: remove: true, content: TEXT, or replace: TEXT with: TEXT');
  }
  if (fields.has('with') && !fields.has('replace')) return r.failAtKey(fields.get('with')!, '`with:` goes with `replace:`');
  if (kinds[0] === 'remove') {
    const remove = r.bool(fields.get('remove')!);
    if (remove === false) return r.fail(fields.get('remove')!.at, fields.get('remove')!.path, 'remove: false changes nothing; leave the file out');
    return remove ? { kind: 'remove', path, place } : undefined;
  }
  if (kinds[0] === 'content') {
    const content = r.string(fields.get('content')!, 'the file\'s new content');
    return content === undefined ? undefined : { kind: 'content', content, path, place };
  }
  const replaceField = fields.get('replace')!;
  const replace = r.nonEmptyString(replaceField, 'the text it replaces, found exactly once in the file');
  const withField = required(r, fields, 'with', '`replace:` needs `with:` (the replacement)');
  const replacement = withField && r.string(withField, 'the replacement');
  if (replace === undefined || replacement === undefined) return undefined;
  if (replace === replacement) return r.fail(withField!.at, withField!.path, '`with:` is the text it replaces: the change changes nothing');
  return { kind: 'edit', replace, with: replacement, path, place, replacePlace: { at: replaceField.at, key: replaceField.path } };
}
