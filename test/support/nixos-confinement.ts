// The confinement module of the nixpkgs the user gives (NIXPKGS, see nixpkgs-source.ts) on
// one row of the table, evaluated by nix-instantiate with that nixpkgs' lib alone through
// test/nixos/confinement.nix: no store (`--store dummy://`), no daemon, no network, nothing
// built. What the module would build, the drop-in confinement.conf, is its build script:
// run here with bash.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { systemdBoolean } from '../../harness/scenario/unit-settings.js';
import { REPO_ROOT, tempDir } from './harness.js';
import { serviceName, type Row } from './confinement-table.js';
import { assertionRefusal, errorRefusal } from './nixos-refusal.js';
import { MODULE_FILE, nixpkgsDir, nixpkgsProblem, NOT_RUN } from './nixpkgs-source.js';

const EVALUATION = path.join(REPO_ROOT, 'test/nixos/confinement.nix');

/** The module and lib to evaluate. */
export interface NixosSource {
  /** A folder holding lib/ and the module (default: $NIXPKGS). */
  nixpkgs?: string;
  /** The module file (default NIXPKGS/nixos/modules/security/systemd-confinement.nix). */
  module?: string;
  timeoutMs?: number;
}

/** The folder and module to evaluate; fails saying why when there are none or they are incomplete. */
export function resolveSource(source: NixosSource = {}): { nixpkgs: string; module: string } {
  const nixpkgs = nixpkgsDir(source.nixpkgs);
  if (!nixpkgs) throw new Error(NOT_RUN);
  const problem = nixpkgsProblem(nixpkgs);
  if (problem) throw new Error(problem);
  return { nixpkgs, module: source.module ? path.resolve(source.module) : path.join(nixpkgs, MODULE_FILE) };
}

export type NixValue = string | number | boolean | null | NixValue[];
export type Settings = Record<string, NixValue>;

/** What NixOS made of a row: its refusal in its own words, or the service it confines. */
export type NixosVerdict = Refused | Accepted;
export interface Refused {
  /** In this project's words, naming the option or settings (nixos-refusal.ts): what the table records. */
  refused: string;
  /** NixOS's own words: shown, never written. */
  said: string;
}
export interface Accepted {
  refused?: undefined;
  /** serviceConfig with the module, and without it (the service's own). */
  serviceConfig: Settings;
  ownServiceConfig: Settings;
  binSh: string | null;
  /** confinement.packages: the roots of the closure. */
  packages: string[];
  /** The settings of the drop-in the module builds, confinement.conf, as its script wrote them. */
  confinementConf: string[];
}

/**
 * The row's service as a NixOS configuration writes it: `exec:` is ExecStart, `user: dynamic`
 * DynamicUser, a user's name User; serviceConfig and confinement as YAML gives them (a
 * boolean stays one, a string a string). `booleans`: systemd's words for true and false
 * (yes, on, 0, …) as the booleans systemd reads them (the difference systemd-boolean-words).
 */
export function nixosService(row: Row, booleans = false): { name: string; binsh: string; service: { serviceConfig: Settings; confinement: Settings } } {
  const { exec, user, serviceConfig = {}, confinement } = row.service as { exec?: string; user?: string; serviceConfig?: Settings; confinement?: Settings | null };
  const settings: Settings = {};
  if (exec !== undefined) settings.ExecStart = exec;
  if (user === 'dynamic') settings.DynamicUser = true;
  else if (user !== undefined && user !== 'root') settings.User = user;
  for (const [key, value] of Object.entries(serviceConfig)) {
    const word = booleans && typeof value === 'string' ? systemdBoolean(value) : undefined;
    settings[key] = word ?? value;
  }
  // binsh-default: environment.binsh is the guest's /bin/sh (NixOS's is bash's).
  return { name: serviceName(row), binsh: '/bin/sh', service: { serviceConfig: settings, confinement: confinement ?? {} } };
}

type Instantiated = { ok: true; value: unknown } | { ok: false; stderr: string };

/** nix-instantiate --eval on the row's service; `attr` evaluates only that part of the answer. */
async function instantiate(rowFile: string, source: NixosSource, what: string, attr?: string): Promise<Instantiated> {
  const { nixpkgs, module } = resolveSource(source);
  const args = ['--eval', '--strict', '--json', '--show-trace', '--store', 'dummy://', EVALUATION, '--argstr', 'rowFile', rowFile];
  args.push('--argstr', 'nixpkgs', nixpkgs, '--argstr', 'module', module);
  if (attr) args.push('-A', attr);
  const timeout = source.timeoutMs ?? 120_000;
  const result = await execa('nix-instantiate', args, { reject: false, timeout, env: { NIX_PATH: '' } });
  if (result.timedOut) throw new Error(`nix-instantiate did not evaluate ${what} within ${timeout / 1000} s`);
  if (result.failed && !/^error:/m.test(result.stderr)) throw new Error(`nix-instantiate could not evaluate ${what}: ${result.stderr || result.shortMessage}`);
  return result.failed ? { ok: false, stderr: result.stderr } : { ok: true, value: JSON.parse(result.stdout) };
}

interface Evaluated {
  failedAssertions: string[];
  serviceConfig: Settings;
  ownServiceConfig: Settings;
  binSh: string | null;
  packages: string[];
  dropIns: { name: string; buildCommand: string; serviceName: string; excludedPath: string; storePaths: string[] }[];
}

/**
 * What NixOS makes of the row's service. Refused as a NixOS system is: an assertion's
 * evaluation failing or an assertion failing first (top-level.nix checks them before
 * anything is built), else any evaluation error.
 */
export async function evaluateNixos(row: Row, source: NixosSource = {}, booleans = false): Promise<NixosVerdict> {
  const dir = await tempDir('nixos-row-');
  const rowFile = path.join(dir, 'row.json');
  const input = nixosService(row, booleans);
  await writeFile(rowFile, JSON.stringify(input));
  const what = `row "${row.row}"`;
  const { module } = resolveSource(source);
  const settings = Object.keys(input.service.serviceConfig);
  const failedEvaluation = (stderr: string) => errorRefusal(stderr, module, REPO_ROOT);
  const whole = await instantiate(rowFile, source, what);
  if (!whole.ok) {
    const assertions = await instantiate(rowFile, source, what, 'failedAssertions');
    if (!assertions.ok) return failedEvaluation(assertions.stderr);
    const failed = assertions.value as string[];
    return failed.length ? assertionRefusal(failed, settings) : failedEvaluation(whole.stderr);
  }
  const value = whole.value as Evaluated;
  if (value.failedAssertions.length) return assertionRefusal(value.failedAssertions, settings);
  if (value.dropIns.length !== 1) throw new Error(`${what}: the module built ${value.dropIns.length} drop-ins for one confined service`);
  const confinementConf = await buildDropIn(value.dropIns[0], dir);
  const { serviceConfig, ownServiceConfig, binSh, packages } = value;
  return { serviceConfig, ownServiceConfig, binSh, packages, confinementConf };
}

/** Runs the drop-in's build script as Nix's builder would (bash, -e -u -o pipefail), here. */
async function buildDropIn(drv: Evaluated['dropIns'][number], dir: string): Promise<string[]> {
  const out = path.join(dir, 'out');
  const closureInfo = path.join(dir, 'closure-info');
  await mkdir(closureInfo);
  await writeFile(path.join(closureInfo, 'store-paths'), drv.storePaths.map((p) => `${p}\n`).join(''));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', out, closureInfo, serviceName: drv.serviceName, excludedPath: drv.excludedPath };
  await execa('bash', ['-euo', 'pipefail', '-c', drv.buildCommand], { env, extendEnv: false, cwd: dir, timeout: 30_000 });
  const text = await readFile(path.join(out, `lib/systemd/system/${drv.serviceName}.d/confinement.conf`), 'utf8');
  return text.split('\n').filter((line) => line && !line.startsWith('['));
}
