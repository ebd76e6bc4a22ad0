// Where the NixOS comparison finds nixpkgs: NIXPKGS, a folder outside this repository that
// the user gives (a nixpkgs checkout, or a folder holding only lib/ and the module). Nothing
// of nixpkgs is in the repository and nothing is downloaded: without NIXPKGS the comparison
// does not run, and says so (make check counts it as skipped).
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** The module, relative to NIXPKGS. */
export const MODULE_FILE = 'nixos/modules/security/systemd-confinement.nix';

/** What NIXPKGS must hold, in words for messages and docs. */
export const NIXPKGS_NEEDS = `a folder holding lib/ (nixpkgs' lib, whole) and ${MODULE_FILE}: a nixpkgs checkout (git clone https://github.com/NixOS/nixpkgs), or a folder with just those two`;

/** Why the NixOS comparison did not run, when NIXPKGS is not set. */
export const NOT_RUN = `NIXPKGS is not set: NixOS's confinement module was not evaluated, so the confinement table and the harness's drop-in were not compared with it. To run it: make check NIXPKGS=/path/to/nixpkgs (${NIXPKGS_NEEDS})`;

/** NIXPKGS as given (the environment's unless a caller passes its own), absolute; undefined when unset. */
export function nixpkgsDir(given: string | undefined = process.env.NIXPKGS): string | undefined {
  return given ? path.resolve(given) : undefined;
}

/** What is wrong with a NIXPKGS folder, or nothing: lib/default.nix and the module must be there. */
export function nixpkgsProblem(dir: string): string | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `NIXPKGS=${dir} is no folder; it must be ${NIXPKGS_NEEDS}`;
  const missing = ['lib/default.nix', MODULE_FILE].filter((file) => !existsSync(path.join(dir, file)));
  return missing.length ? `NIXPKGS=${dir} has no ${missing.join(' and no ')}; it must be ${NIXPKGS_NEEDS}` : undefined;
}

/** Fails, saying what to install, when nix-instantiate is not on this machine. */
export async function requireNixInstantiate(): Promise<string> {
  const found = await execa('nix-instantiate', ['--version'], { reject: false });
  if (found.failed) {
    throw new Error('nix-instantiate is not installed, and NIXPKGS is set: the NixOS comparison needs it (Debian: apt-get install nix-bin; make check NIXPKGS=… installs it when run as root)');
  }
  return found.stdout.trim();
}

/** Where the evaluated nixpkgs came from, as the table's header records it. */
export interface Provenance {
  /** NIXPKGS as given, absolute. */
  dir: string;
  /** The checkout's commit, or `unknown` (not a git checkout). */
  commit: string;
  /** The module or lib/ differ from that commit (git status says so). */
  changed: boolean;
  /** The module's git blob id (git hash-object): which module it was, with or without a checkout. */
  moduleBlob: string;
  /** lib/.version, when there is one. */
  libVersion?: string;
  /** nix-instantiate --version. */
  nix: string;
}

export async function provenance(dir: string, module = path.join(dir, MODULE_FILE)): Promise<Provenance> {
  const git = (args: string[]) => execa('git', ['-C', dir, ...args], { reject: false });
  const head = await git(['rev-parse', '--verify', 'HEAD']);
  // A folder inside some other repository is no checkout of nixpkgs: only the top of one is.
  const top = await git(['rev-parse', '--show-toplevel']);
  const isCheckout = !head.failed && !top.failed && realpathSync(top.stdout.trim()) === realpathSync(dir);
  const status = isCheckout ? await git(['status', '--porcelain', '--', 'lib', MODULE_FILE]) : undefined;
  const blob = await execa('git', ['hash-object', module]);
  const versionFile = path.join(dir, 'lib/.version');
  return {
    dir,
    commit: isCheckout ? head.stdout.trim() : 'unknown',
    changed: Boolean(status?.stdout.trim()),
    moduleBlob: blob.stdout.trim(),
    libVersion: existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : undefined,
    nix: await requireNixInstantiate(),
  };
}

/** The lines that say where the table's NixOS fields came from (the table indents them under its header). */
export function provenanceLines(p: Provenance, module = MODULE_FILE): string[] {
  const commit = p.commit === 'unknown' ? 'commit unknown (not a git checkout)' : `commit ${p.commit}${p.changed ? ', with uncommitted changes to lib/ or the module' : ''}`;
  return [
    `nixpkgs: NIXPKGS=${p.dir}, ${commit}`,
    `module:  ${module}, git blob ${p.moduleBlob}`,
    `lib:     ${p.libVersion ? `version ${p.libVersion} (lib/.version)` : 'version unknown (no lib/.version)'}`,
    `Nix:     ${p.nix}`,
  ];
}
