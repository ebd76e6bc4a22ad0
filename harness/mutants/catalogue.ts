// mutants/catalogue.yaml: the seeded regressions `harness mutants` runs. Guest-side ones
// are overlays (load/overlay.ts); package ones are a base image's package with its files
// changed (package-catalogue.ts); harness-side ones are text patches to a copy of dist/.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { byPosition, fileError, ScenarioError, ScenarioErrors } from '../scenario/errors.js';
import { optionalField, Reader, required, type Value } from '../scenario/read.js';
import type { Location } from '../scenario/types.js';
import { loadOverlayFile, type Overlay } from '../load/overlay.js';
import { readPackageMutant, type PackageMutant } from './package-catalogue.js';

export interface GuestMutant {
  overlay: Overlay;
  /** Scenario names to run first: where the mutant is expected to show. */
  first: string[];
}

export interface HarnessMutant {
  name: string;
  description?: string;
  /** The file of dist/ to patch, relative to dist/. */
  file: string;
  replace: string;
  with: string;
  /** Unit test files (names under dist/test/unit) that must go red. */
  tests: string[];
  at: Location;
}

export interface Catalogue {
  file: string;
  guest: GuestMutant[];
  packages: PackageMutant[];
  harness: HarnessMutant[];
}

const CATALOGUE_KEYS = ['guest', 'packages', 'harness'];
const GUEST_KEYS = ['overlay', 'first'];
const HARNESS_KEYS = ['name', 'description', 'file', 'replace', 'with', 'tests'];

export async function loadCatalogue(file: string): Promise<Catalogue> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScenarioErrors([fileError(file, `cannot read the mutant catalogue: ${(err as Error).message}`)]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioErrors(doc.errors.map((e) => new ScenarioError(file, lines.linePos(e.pos[0]).line, lines.linePos(e.pos[0]).col, '', `invalid YAML: ${e.message}`)));
  }
  const r = new Reader(file, doc, lines);
  const fields = r.fields(r.root(), CATALOGUE_KEYS, 'a mutant catalogue');
  const guestEntries = (fields && optionalField(fields, 'guest', (v) => r.items(v, 'guest-side mutants'))) ?? [];
  const packages = ((fields && optionalField(fields, 'packages', (v) => r.items(v, 'package mutants'))) ?? []).map((v) => readPackageMutant(r, v));
  const harness = ((fields && optionalField(fields, 'harness', (v) => r.items(v, 'harness-side mutants'))) ?? []).map((v) => readHarnessMutant(r, v));
  const guestRefs = guestEntries.map((v) => readGuestRef(r, v));
  const guest: GuestMutant[] = [];
  for (const ref of guestRefs) {
    if (!ref) continue;
    try {
      guest.push({ overlay: await loadOverlayFile(path.resolve(path.dirname(file), ref.overlay)), first: ref.first });
    } catch (err) {
      if (!(err instanceof ScenarioErrors)) throw err;
      r.errors.push(...err.errors);
    }
  }
  const kept = <T>(list: (T | undefined)[]) => list.filter((m): m is T => m !== undefined);
  const named = [...guest.map((m) => ({ name: m.overlay.name, at: undefined })), ...kept(packages), ...kept(harness)];
  for (const [i, m] of named.entries()) {
    if (m.at && named.findIndex((n) => n.name === m.name) < i) r.fail(m.at, '', `a second mutant named "${m.name}": --only could not tell them apart`);
  }
  if (r.errors.length > 0) throw new ScenarioErrors(r.errors.sort(byPosition));
  return { file, guest, packages: kept(packages), harness: kept(harness) };
}

function readGuestRef(r: Reader, v: Value): { overlay: string; first: string[] } | undefined {
  const fields = r.fields(v, GUEST_KEYS, 'a guest-side mutant');
  if (!fields) return undefined;
  const overlayField = required(r, fields, 'overlay', 'a guest-side mutant needs `overlay:` (an overlay file, relative to the catalogue)');
  const overlay = overlayField && r.nonEmptyString(overlayField, 'an overlay file');
  const first = optionalField(fields, 'first', (f) => r.stringList(f, 'scenario names')) ?? [];
  return overlay === undefined ? undefined : { overlay, first };
}

function readHarnessMutant(r: Reader, v: Value): HarnessMutant | undefined {
  const fields = r.fields(v, HARNESS_KEYS, 'a harness-side mutant');
  if (!fields) return undefined;
  const text = (key: string, what: string) => {
    const field = required(r, fields, key, `a harness-side mutant needs \`${key}:\` (${what})`);
    return field && r.nonEmptyString(field, what);
  };
  const name = text('name', 'its name');
  const file = text('file', 'the file of dist/ it patches');
  const replace = text('replace', 'the text it replaces, found exactly once');
  const withField = required(r, fields, 'with', 'a harness-side mutant needs `with:` (the replacement)');
  const replacement = withField && r.string(withField, 'the replacement');
  const testsField = required(r, fields, 'tests', 'a harness-side mutant needs `tests:` (unit test files that must go red)');
  const tests = testsField && r.stringList(testsField, 'unit test files');
  const description = optionalField(fields, 'description', (d) => r.string(d, 'a description'));
  if (name === undefined || file === undefined || replace === undefined || replacement === undefined || !tests) return undefined;
  if (tests.length === 0) return r.fail(testsField!.at, testsField!.path, 'name at least one unit test file');
  return { name, file, replace, with: replacement, tests, at: v.at, ...(description !== undefined ? { description } : {}) };
}
