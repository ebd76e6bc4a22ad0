// Scenario YAML → typed Scenario (reference: docs/scenarios.md). Everything is validated
// once, in this module and the readers it calls (read-services.ts, steps.ts), and every
// problem in a file is reported with FILE:LINE:COL, not just the first. Readers go on after
// an error and may return partly read values; a file with any error is refused as a whole,
// so those values never leave the loader. Which files to load: find-files.ts.
import { readFile } from 'node:fs/promises';
import { isSeq, LineCounter, parseDocument, type YAMLError } from 'yaml';
import { byPosition, fileError, ScenarioError, ScenarioErrors } from '../scenario/errors.js';
import { findScenarioFiles } from './find-files.js';
import { optionalField, Reader, required, type Fields, type Value } from '../scenario/read.js';
import { GUEST_KEYS, ONE_GUEST, readGuests, readGuestSettings, type StepGuests } from './read-guests.js';
import { readSteps } from './steps.js';
import { readCondition } from './read-when.js';
import type { GuestSpec, Scenario } from './scenario.js';

export interface LoadOptions {
  /** Images that exist; naming another one is an error. Unset = any name is accepted. */
  knownImages?: string[];
}

const SCENARIO_KEYS = ['name', 'description', 'tags', 'image', 'when', 'timeout', 'guests', ...GUEST_KEYS, 'steps'];
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

// ── entry points ────────────────────────────────────────────────────────────

/** Loads every scenario under `paths` (files, or folders searched recursively), collecting all errors. */
export async function loadScenarios(
  paths: string[],
  opts: LoadOptions = {},
): Promise<{ scenarios: Scenario[]; errors: ScenarioError[] }> {
  const { files, errors } = await findScenarioFiles(paths);
  const scenarios: Scenario[] = [];
  const byName = new Map<string, Scenario>();
  for (const file of files) {
    let scenario: Scenario;
    try {
      scenario = await loadScenarioFile(file, opts);
    } catch (err) {
      if (!(err instanceof ScenarioErrors)) throw err;
      errors.push(...err.errors);
      continue;
    }
    const first = byName.get(scenario.name);
    if (first) {
      errors.push(duplicateNameError(scenario, first));
      continue;
    }
    byName.set(scenario.name, scenario);
    scenarios.push(scenario);
  }
  return { scenarios, errors };
}

/** Reads and validates one file; throws ScenarioErrors listing everything wrong with it. */
export async function loadScenarioFile(file: string, opts: LoadOptions = {}): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScenarioErrors([fileError(file, `cannot read the file: ${(err as Error).message}`)]);
  }
  return loadScenarioText(text, file, opts);
}

/** Validates scenario YAML `text` (from `file`, named in messages); throws ScenarioErrors. */
export function loadScenarioText(text: string, file: string, opts: LoadOptions = {}): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntaxErrors = [...doc.errors, ...doc.warnings];
  // Checking the shape of a document YAML could not read would mostly report echoes of the syntax error.
  if (syntaxErrors.length > 0) {
    throw new ScenarioErrors(syntaxErrors.map((e) => yamlError(file, text, lines, e)));
  }
  const r = new Reader(file, doc, lines, text);
  const scenario = readScenario(r, opts);
  if (r.errors.length > 0 || !scenario) {
    if (r.errors.length === 0) r.fail({ file, line: 1, col: 1 }, '', 'the scenario could not be read');
    throw new ScenarioErrors(r.errors.sort(byPosition));
  }
  return scenario;
}

// ── the scenario ────────────────────────────────────────────────────────────

function readScenario(r: Reader, opts: LoadOptions): Scenario | undefined {
  const root = r.root();
  if (root.node === null) {
    return r.fail(root.at, '', 'the file holds no scenario; it needs at least `name`, `image` and `steps`');
  }
  const fields = r.fields(root, SCENARIO_KEYS, 'a scenario');
  if (!fields) return undefined;

  const nameField = required(r, fields, 'name', 'a scenario needs `name:` (its JUnit testsuite name)');
  const name = nameField && r.nonEmptyString(nameField, 'a scenario name');
  const description = optionalField(fields, 'description', (v) => r.string(v, 'a description'));
  const tags = optionalField(fields, 'tags', (v) => r.stringList(v, 'tags')) ?? [];
  const images = readImages(r, fields, opts) ?? [];
  const when = optionalField(fields, 'when', (v) => readCondition(r, v));
  const timeoutMs = optionalField(fields, 'timeout', (v) => r.duration(v)) ?? DEFAULT_TIMEOUT_MS;
  const { guests, stepGuests } = readAllGuests(r, fields, opts);
  const stepsField = required(r, fields, 'steps', 'a scenario needs `steps:` (a list of what to do and check)');
  const steps = stepsField ? readSteps(r, stepsField, stepGuests) : [];

  if (name === undefined) return undefined;
  const scenario: Scenario = { name, tags, images, timeoutMs, guests, steps, file: r.file, nameAt: nameField!.at };
  if (description !== undefined) scenario.description = description;
  if (when !== undefined) scenario.when = when;
  return scenario;
}

/** The one guest of the top-level keys, or the guests of `guests:` (which then owns those keys). */
function readAllGuests(r: Reader, fields: Fields, opts: LoadOptions): { guests: GuestSpec[]; stepGuests: StepGuests } {
  const guestsField = fields.get('guests');
  if (!guestsField) {
    const { spec, serviceNames } = readGuestSettings(r, fields, ONE_GUEST, fields.self.at);
    return { guests: [spec], stepGuests: { several: false, services: new Map([[ONE_GUEST, serviceNames]]) } };
  }
  for (const key of GUEST_KEYS) {
    const misplaced = fields.get(key);
    if (misplaced) r.failAtKey(misplaced, `with \`guests:\`, \`${key}:\` belongs to a guest: write it under guests.NAME.${key}`);
  }
  const { guests, steps } = readGuests(r, guestsField, (v) => readImage(r, v, opts.knownImages));
  return { guests, stepGuests: steps };
}

function readImages(r: Reader, fields: Fields, opts: LoadOptions): string[] | undefined {
  const field = fields.get('image');
  if (!field) {
    return r.fail(fields.self.at, 'image', 'a scenario needs `image:` (an image under images/, or a list of them)');
  }
  const values = isSeq(field.node) ? r.items(field, 'a list of images') ?? [] : [field];
  if (values.length === 0) return r.fail(field.at, field.path, 'expected at least one image');
  const images = values.map((v) => readImage(r, v, opts.knownImages));
  const seen = new Set<string>();
  images.forEach((image, i) => {
    if (image !== undefined && seen.has(image)) r.fail(values[i].at, values[i].path, `image ${image} is listed twice`);
    if (image !== undefined) seen.add(image);
  });
  return images.filter((image): image is string => image !== undefined);
}

function readImage(r: Reader, v: Value, knownImages: string[] | undefined): string | undefined {
  const image = r.nonEmptyString(v, 'an image name (or a list of them)');
  if (image !== undefined && knownImages && !knownImages.includes(image)) {
    return r.fail(v.at, v.path, `unknown image ${image}; known: ${knownImages.join(', ') || '(none built)'}`);
  }
  return image;
}

// ── errors ──────────────────────────────────────────────────────────────────

function yamlError(file: string, text: string, lines: LineCounter, e: YAMLError): ScenarioError {
  const { line, col } = lines.linePos(e.pos[0]);
  const problem =
    e.code === 'DUPLICATE_KEY'
      ? `duplicate key \`${keyTextAt(text, e.pos[0])}\` (each key may appear once)`
      : `invalid YAML: ${e.message}`;
  return new ScenarioError(file, line, col, '', problem);
}

/** The key written at `offset`: yaml's error range covers only its first character. */
function keyTextAt(text: string, offset: number): string {
  const quoted = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*')/.exec(text.slice(offset));
  if (quoted) return quoted[1].slice(1, -1);
  return /^[^:\n]*/.exec(text.slice(offset))![0].trim();
}

function duplicateNameError(scenario: Scenario, first: Scenario): ScenarioError {
  const at = scenario.nameAt ?? { file: scenario.file, line: 1, col: 1 };
  const firstAt = first.nameAt;
  const where = firstAt ? `${firstAt.file}:${firstAt.line}` : first.file;
  return new ScenarioError(at.file, at.line, at.col, 'name', `scenario name "${scenario.name}" is already used by ${where}`);
}

