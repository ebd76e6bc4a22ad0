// Scenario YAML → typed Scenario (reference: docs/scenarios.md). Everything is validated
// here, once, and every problem in a file is reported with FILE:LINE:COL, not just the first.
// Readers go on after an error and may return partly read values; a file with any error is
// refused as a whole, so those values never leave this module.
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { isScalar, isSeq, LineCounter, parseDocument, type YAMLError } from 'yaml';
import { byPosition, ScenarioError, ScenarioErrors } from './errors.js';
import { Reader, type Fields, type Value } from './read.js';
import { readAbsolutePath, readOwnership, readSteps } from './steps.js';
import type { Confinement } from './types.js';
import { systemdTrue } from './unit-settings.js';
import type { Accel, FileSpec, Location, Scenario, ServiceSpec, VmSettings } from './types.js';

export interface LoadOptions {
  /** Images that exist; naming another one is an error. Unset = any name is accepted. */
  knownImages?: string[];
  /** The image of scenarios that name none (e.g. from `--image`). Unset = `image:` is required. */
  defaultImage?: string;
}

const SCENARIO_KEYS = ['name', 'description', 'tags', 'image', 'timeout', 'vm', 'files', 'sysctl', 'services', 'steps'];
const VM_KEYS = ['memory', 'cpus', 'threads', 'cpuModel', 'kernelParams', 'accel'];
const ACCELS: readonly Accel[] = ['auto', 'kvm', 'tcg'];
const FILE_KEYS = ['content', 'mode', 'owner', 'group'];
const SERVICE_KEYS = ['exec', 'unit', 'user', 'serviceConfig', 'confinement'];
const CONFINEMENT_KEYS = ['mode', 'packages', 'binSh', 'fullUnit'];
const CONFINEMENT_MODES: readonly Confinement['mode'][] = ['full-apivfs', 'chroot-only'];
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const SCENARIO_EXTENSIONS = ['.yaml', '.yml'];

/** Where each loaded scenario's `name` is, so that a duplicate across files can point at it. */
const nameLocations = new WeakMap<Scenario, Location>();

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
  const r = new Reader(file, doc, lines);
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
  const timeoutMs = optionalField(fields, 'timeout', (v) => r.duration(v)) ?? DEFAULT_TIMEOUT_MS;
  const vm = optionalField(fields, 'vm', (v) => readVm(r, v)) ?? {};
  const files = optionalField(fields, 'files', (v) => readFiles(r, v)) ?? {};
  const sysctl = optionalField(fields, 'sysctl', (v) => readSysctl(r, v)) ?? {};
  const servicesField = fields.get('services');
  const services = servicesField ? readServices(r, servicesField) : { specs: [], names: new Set<string>() };
  const stepsField = required(r, fields, 'steps', 'a scenario needs `steps:` (a list of what to do and check)');
  const steps = stepsField ? readSteps(r, stepsField, services.names) : [];

  if (name === undefined) return undefined;
  const scenario: Scenario = { name, tags, images, timeoutMs, vm, files, sysctl, services: services.specs, steps, file: r.file };
  if (description !== undefined) scenario.description = description;
  nameLocations.set(scenario, nameField!.at);
  return scenario;
}

function readImages(r: Reader, fields: Fields, opts: LoadOptions): string[] | undefined {
  const field = fields.get('image');
  if (!field) {
    if (opts.defaultImage !== undefined) return [opts.defaultImage];
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

// ── vm ──────────────────────────────────────────────────────────────────────

function readVm(r: Reader, v: Value): VmSettings | undefined {
  const fields = r.fields(v, VM_KEYS, '`vm` settings');
  if (!fields) return undefined;
  const vm: VmSettings = {};
  for (const key of ['memory', 'cpus', 'threads'] as const) {
    const field = fields.get(key);
    if (field) vm[key] = r.integer(field, 1);
  }
  const cpuModel = fields.get('cpuModel');
  if (cpuModel) vm.cpuModel = r.nonEmptyString(cpuModel, 'a QEMU -cpu model');
  const kernelParams = fields.get('kernelParams');
  if (kernelParams) vm.kernelParams = r.stringList(kernelParams, 'kernel parameters');
  const accel = fields.get('accel');
  if (accel) vm.accel = r.oneOf(accel, ACCELS);
  const threads = fields.get('threads');
  if (vm.cpus !== undefined && vm.threads !== undefined && vm.cpus % vm.threads !== 0) {
    r.fail(threads!.at, threads!.path, `cpus (${vm.cpus}) must be a multiple of threads (${vm.threads}), as cores = cpus / threads`);
  }
  return vm;
}

// ── files and sysctl ────────────────────────────────────────────────────────

function readFiles(r: Reader, v: Value): Record<string, FileSpec> | undefined {
  const entries = r.entries(v, 'files to write');
  if (!entries) return undefined;
  const files: Record<string, FileSpec> = {};
  for (const [filePath, value] of entries) {
    if (!filePath.startsWith('/')) r.failAtKey(value, `expected an absolute path, got "${filePath}"`);
    const spec = readFileSpec(r, value);
    if (spec) files[filePath] = { ...spec, ...(value.keyAt ? { at: value.keyAt } : {}) };
  }
  return files;
}

function readFileSpec(r: Reader, v: Value): FileSpec | undefined {
  const fields = r.fields(v, FILE_KEYS, 'a file to write');
  if (!fields) return undefined;
  const contentField = required(r, fields, 'content', 'a file to write needs `content:`', v.keyAt);
  const content = contentField && r.string(contentField, 'the file content');
  if (content === undefined) return undefined;
  return { content, ...readOwnership(r, fields) };
}

function readSysctl(r: Reader, v: Value): Record<string, string> | undefined {
  const entries = r.entries(v, 'sysctl settings');
  if (!entries) return undefined;
  const sysctl: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/.test(key)) {
      r.failAtKey(value, `"${key}" is not a sysctl name such as kernel.unprivileged_userns_clone`);
      continue;
    }
    const setting = readSysctlValue(r, value);
    if (setting !== undefined) sysctl[key] = setting;
  }
  return sysctl;
}

function readSysctlValue(r: Reader, v: Value): string | undefined {
  // sysctl -w takes 1/0, not true/false; saying so beats a failure inside the guest.
  if (isScalar(v.node) && typeof v.node.value === 'boolean') return r.fail(v.at, v.path, 'sysctl values are numbers or text; write 1 or 0, not true/false');
  return r.scalarText(v, 'a sysctl value (a number or text)');
}

// ── services ────────────────────────────────────────────────────────────────

interface Services {
  specs: ServiceSpec[];
  /** Every declared name, valid or not, so that steps naming one are not reported twice. */
  names?: ReadonlySet<string>;
}

function readServices(r: Reader, v: Value): Services {
  const entries = r.entries(v, 'services');
  if (!entries) return { specs: [] };
  const specs = entries.map(([name, value]) => readService(r, name, value)).filter((s): s is ServiceSpec => s !== undefined);
  return { specs, names: new Set(entries.map(([name]) => name)) };
}

function readService(r: Reader, name: string, v: Value): ServiceSpec | undefined {
  if (!/^[A-Za-z0-9_.@-]+$/.test(name)) {
    r.failAtKey(v, `"${name}" is not a service name (letters, digits and _ . @ - only)`);
  }
  const fields = r.fields(v, SERVICE_KEYS, 'a service');
  if (!fields) return undefined;
  const execField = fields.get('exec');
  const unitField = fields.get('unit');
  if (execField && unitField) {
    r.failAtKey(unitField, 'a service has either `exec:` (a command the harness runs) or `unit:` (an existing unit), not both');
  } else if (!execField && !unitField) {
    r.failAtKey(v, 'a service needs `exec:` (a command the harness runs) or `unit:` (an existing unit of the image)');
  }
  const exec = execField && readExec(r, execField);
  if (execField && name.endsWith('.service')) {
    r.failAtKey(v, `name the service without ".service" (the harness installs \`${name.slice(0, -8)}\` as ${name})`);
  }
  const unit = unitField && readUnitName(r, unitField);
  const user = optionalField(fields, 'user', (f) => readServiceUser(r, f)) ?? 'root';
  const serviceConfig = optionalField(fields, 'serviceConfig', (f) => readServiceConfig(r, f)) ?? {};
  const confinementField = fields.get('confinement');
  const confinement = confinementField && readConfinement(r, confinementField);
  if (confinementField) refuseStartOnly(r, fields.get('serviceConfig'), serviceConfig);

  const spec: ServiceSpec = { name, user, serviceConfig, at: v.keyAt ?? v.at };
  if (exec !== undefined) spec.exec = exec;
  if (unit !== undefined) spec.unit = unit;
  if (confinement !== undefined) spec.confinement = confinement;
  return spec;
}

/** `confinement:` with nothing after it, or `{}`, confines with every default. */
function readConfinement(r: Reader, v: Value): Confinement | undefined {
  const confinement: Confinement = { mode: 'full-apivfs', packages: [], binSh: '/bin/sh', fullUnit: false };
  if (isScalar(v.node) && v.node.value === null) return confinement;
  const fields = r.fields(v, CONFINEMENT_KEYS, '`confinement` settings');
  if (!fields) return undefined;
  const mode = fields.get('mode');
  if (mode) confinement.mode = r.oneOf(mode, CONFINEMENT_MODES) ?? confinement.mode;
  const packages = fields.get('packages');
  const items = packages && r.items(packages, 'a list of absolute paths');
  if (items) confinement.packages = items.map((item) => readAbsolutePath(r, item) ?? '');
  const binSh = fields.get('binSh');
  // `binSh: null` (or `binSh: ~`) is the way to say: no /bin/sh at all.
  if (binSh) confinement.binSh = isScalar(binSh.node) && binSh.node.value === null && binSh.node.source !== '' ? null : (readAbsolutePath(r, binSh) ?? null);
  const fullUnit = fields.get('fullUnit');
  if (fullUnit) confinement.fullUnit = r.bool(fullUnit) ?? false;
  return confinement;
}

/** As in NixOS: systemd cannot limit the chroot's bind mounts to ExecStart, so the two do not mix. */
function refuseStartOnly(r: Reader, configField: Value | undefined, config: Record<string, string | string[]>): void {
  const value = config.RootDirectoryStartOnly;
  if (value === undefined || !configField) return;
  if (!systemdTrue(String(value))) return;
  const key = r.entries(configField, '[Service] settings')?.find(([name]) => name === 'RootDirectoryStartOnly');
  const at = key?.[1] ?? configField;
  r.failAtKey(at, 'RootDirectoryStartOnly cannot be used with `confinement`: systemd cannot restrict the bind mounts to ExecStart, so ExecStartPre/Post would run outside the chroot without them');
}

function readExec(r: Reader, v: Value): string | undefined {
  const exec = r.nonEmptyString(v, 'a command line (ExecStart)');
  // systemd's prefixes (-, @, :, +, !) may come before the absolute path.
  if (exec !== undefined && !/^[-@:+!|]*\//.test(exec.trim())) {
    return r.fail(v.at, v.path, `ExecStart must start with an absolute path, e.g. /usr/bin/sleep infinity; got "${exec}"`);
  }
  return exec;
}

function readUnitName(r: Reader, v: Value): string | undefined {
  const unit = r.nonEmptyString(v, 'a unit name such as ssh.service');
  if (unit !== undefined && !/^[A-Za-z0-9_.@:\\-]+$/.test(unit)) {
    return r.fail(v.at, v.path, `"${unit}" is not a unit name such as ssh.service`);
  }
  return unit;
}

function readServiceUser(r: Reader, v: Value): string | undefined {
  const user = r.nonEmptyString(v, 'root, dynamic or a user name');
  if (user !== undefined && !/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(user)) {
    return r.fail(v.at, v.path, `"${user}" is not a user name; expected root, dynamic or a user name`);
  }
  return user;
}

/** [Service] settings, verbatim; YAML booleans become systemd's yes/no. */
function readServiceConfig(r: Reader, v: Value): Record<string, string | string[]> | undefined {
  const entries = r.entries(v, '[Service] settings');
  if (!entries) return undefined;
  const config: Record<string, string | string[]> = {};
  for (const [key, value] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) {
      r.failAtKey(value, `"${key}" is not a systemd setting name such as PrivateTmp`);
      continue;
    }
    const setting = readServiceSetting(r, value);
    if (setting !== undefined) config[key] = setting;
  }
  return config;
}

function readServiceSetting(r: Reader, v: Value): string | string[] | undefined {
  const what = 'a setting value (text, number, yes/no, or a list of them)';
  if (isSeq(v.node)) {
    const items = r.items(v, what);
    if (!items) return undefined;
    return items.map((item) => r.scalarText(item, what, ['yes', 'no']) ?? '');
  }
  return r.scalarText(v, what, ['yes', 'no']);
}

// ── helpers ─────────────────────────────────────────────────────────────────

/** A field that must be there; its absence is reported at `at` (default: the map itself). */
function required(r: Reader, fields: Fields, key: string, problem: string, at?: Location): Value | undefined {
  const field = fields.get(key);
  if (field) return field;
  const parent = fields.self;
  return r.fail(at ?? parent.at, parent.path ? `${parent.path}.${key}` : key, problem);
}

function optionalField<T>(fields: Fields, key: string, read: (v: Value) => T | undefined): T | undefined {
  const field = fields.get(key);
  return field ? read(field) : undefined;
}

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

function fileError(file: string, problem: string): ScenarioError {
  return new ScenarioError(file, 1, 1, '', problem);
}

function duplicateNameError(scenario: Scenario, first: Scenario): ScenarioError {
  const at = nameLocations.get(scenario) ?? { file: scenario.file, line: 1, col: 1 };
  const firstAt = nameLocations.get(first);
  const where = firstAt ? `${firstAt.file}:${firstAt.line}` : first.file;
  return new ScenarioError(at.file, at.line, at.col, 'name', `scenario name "${scenario.name}" is already used by ${where}`);
}

// ── finding files ───────────────────────────────────────────────────────────

async function findScenarioFiles(paths: string[]): Promise<{ files: string[]; errors: ScenarioError[] }> {
  const files: string[] = [];
  const errors: ScenarioError[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = path.resolve(file);
    if (!seen.has(key)) files.push(file);
    seen.add(key);
  };
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch (err) {
      errors.push(fileError(p, `no such file or folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`));
      continue;
    }
    if (!info.isDirectory()) {
      add(p);
      continue;
    }
    const found = await scenarioFilesUnder(p);
    if (found.length === 0) errors.push(fileError(p, `no scenario files (${SCENARIO_EXTENSIONS.map((e) => `*${e}`).join(', ')}) in this folder`));
    found.forEach(add);
  }
  return { files, errors };
}

/** Scenario files below `dir`, sorted; hidden files and folders are left out. */
async function scenarioFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: false });
  const candidates = entries
    .filter((rel) => SCENARIO_EXTENSIONS.includes(path.extname(rel)))
    .filter((rel) => !rel.split(path.sep).some((part) => part.startsWith('.')))
    .sort()
    .map((rel) => path.join(dir, rel));
  const files: string[] = [];
  for (const file of candidates) if ((await stat(file)).isFile()) files.push(file);
  return files;
}
