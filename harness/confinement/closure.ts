// The runtime closure of a confined service: every file its programs need, found inside
// the guest (the harness's host has neither the guest's binaries nor its loader).
//
// On an ordinary distribution that is: the programs of the unit's Exec* lines, the shared
// libraries and the dynamic loader `ldd` names for each, the interpreter of a `#!` script
// (recursively), the `packages` paths with their own closures and the `binSh` shell. Each
// path is bound at the name the programs use, from the file that name resolves to, so a
// symlink (/lib64/ld-linux-x86-64.so.2, /bin/sh → dash) still resolves inside the chroot.
// /bin/sh is the `binSh` shell only, whatever else names it. Store paths the Exec lines'
// arguments name (directories too) join, as their Nix context would on NixOS.
// On a guest with a /nix/store the closure is `nix-store --query --requisites` instead.
import { Batch, type Shell } from '../guest/batch.js';
import { shellQuote } from '../util/quote.js';
import { programText } from '../util/program-text.js';
import type { Confinement } from '../scenario/types.js';
import { mergeEntries, parseNixListing, requisitesScript, storeRoots, type ClosureEntry } from './nix-store.js';

export { mergeEntries, parseNixListing, parseNixRequisites, storeRoots, type ClosureEntry } from './nix-store.js';

export interface Closure {
  entries: ClosureEntry[];
  /** The shell bound at /bin/sh, resolved; absent with `binSh: null`. */
  binSh?: string;
  /** Referenced paths that do not exist in the guest: left out, and said so in the drop-in. */
  missing: string[];
  /** `packages` directories with more programs than are followed: said so in the setup output. */
  cuts: ClosureCut[];
}

/** A `packages` directory whose programs' closures were followed only in part. */
export interface ClosureCut {
  /** The directory, resolved. */
  path: string;
  followed: number;
  programs: number;
}

/**
 * How many programs of one `packages` directory have their libraries and interpreters
 * followed. Each costs ldd a process in the guest (tens of milliseconds under TCG); the
 * directory itself is bound whole either way. A cut is never silent: see describeCut.
 */
export const PACKAGE_PROGRAMS = 1000;

/** The notice for a cut, in the setup output and as a comment of the drop-in. */
export function describeCut(cut: ClosureCut): string {
  return `packages: ${cut.path} holds ${cut.programs} programs; only the libraries and interpreters of the first ${cut.followed} (in name order) were followed, the rest are bound without theirs`;
}

/** The unit settings whose programs join the closure, as NixOS's module lists them. */
export const EXEC_SETTINGS = ['ExecStart', 'ExecStartPre', 'ExecStartPost', 'ExecReload', 'ExecStop', 'ExecStopPost'];

/** systemd's parse of those settings; with several units, one block each, a blank line between. */
const SHOW_EXEC_LINES = `systemctl show ${EXEC_SETTINGS.map((s) => `-p ${s}`).join(' ')}`;

/** closure.sh, beside this file (`npm run build` copies it into dist/). */
const CLOSURE_SH = programText('confinement/closure.sh');

/**
 * The shell text that prints a unit's closure: closure.sh (which says what it prints) as a
 * function, called with the unit's values as arguments. `execLines` is a shell word that
 * expands to the unit's Exec* lines from `systemctl show`, so systemd's own parsing of
 * prefixes and quoting applies; by default the script's caller asks systemd for them.
 */
export function closureScript(unit: string, confinement: Confinement, execLines = `"$(${SHOW_EXEC_LINES} -- ${shellQuote(unit)})"`): string {
  const args = [shellQuote(unit), execLines, shellQuote(confinement.binSh ?? ''), confinement.fullUnit ? 'yes' : 'no', String(PACKAGE_PROGRAMS), ...confinement.packages.map(shellQuote)];
  return `closure_sh() (\n${CLOSURE_SH}\n)\nclosure_sh ${args.join(' ')}`;
}

/** Reads what closureScript printed. */
export function parseClosureOutput(text: string): Closure {
  const closure: Closure = { entries: [], missing: [], cuts: [] };
  for (const line of text.split('\n')) {
    const [kind, path, source] = line.split('\t');
    if (kind === 'bind' && path) closure.entries.push(source && source !== path ? { path, source } : { path });
    else if (kind === 'missing' && path) closure.missing.push(path);
    else if (kind === 'binsh' && path) closure.binSh = path;
    else if (kind === 'cut' && path) {
      const [followed, programs] = (source ?? '').split(' ').map(Number);
      closure.cuts.push({ path, followed, programs });
    }
  }
  return closure;
}

/** A confined unit whose closure is wanted; `at` names it in an error. */
export interface ClosureRequest {
  unit: string;
  confinement: Confinement;
  at: string;
  /**
   * The unit's file, when systemd has not loaded the unit yet and should not: systemd then
   * parses a stand-in with this text under another name, and the unit itself is first
   * loaded, with its confinement drop-in, when it starts. That spares a daemon-reload
   * (seconds under TCG: every generator runs again). Exec lines that use %n, %N or %p would
   * see the stand-in's name; the harness's own units do not.
   */
  unitFile?: string;
}

/** The stand-in a not-yet-loaded unit's closure is read from (runtime units, gone at reboot). */
function standInUnit(unit: string): { name: string; path: string } {
  const name = `harness-closure-${unit}`;
  return { name, path: `/run/systemd/system/${name}` };
}

/**
 * The operation after the stand-ins are written: removes them when the batch ends, and asks
 * systemd once for every unit's Exec* lines (each `systemctl` costs about a second under
 * TCG), leaving unit i's in ${shows[i]} for the closure scripts after it.
 */
function showOperation(requests: ClosureRequest[]): string {
  const lines: string[] = [];
  const names = requests.map(({ unit, unitFile }) => (unitFile === undefined ? unit : standInUnit(unit).name));
  const standIns = requests.filter((r) => r.unitFile !== undefined).map((r) => shellQuote(standInUnit(r.unit).path));
  if (standIns.length) lines.unshift(`remove_stand_ins() { rm -f -- ${standIns.join(' ')}; }`, 'trap remove_stand_ins EXIT');
  lines.push(
    `all=$(${SHOW_EXEC_LINES} -- ${names.map(shellQuote).join(' ')})`,
    'shows=() block=\'\'',
    'while IFS= read -r line; do',
    '  if [[ -z $line ]]; then shows+=("$block"); block=\'\'; else block+="$line"$\'\\n\'; fi',
    'done <<< "$all"',
    'shows+=("$block")',
  );
  return lines.join('\n');
}

/**
 * Computes the closures of loaded units in the guest: one command for all of them, and on
 * a Nix guest one more for what `nix-store` records.
 */
export async function computeClosures(guest: Shell, requests: ClosureRequest[], timeoutMs: number): Promise<Closure[]> {
  const scripts = new Batch();
  for (const { unit, unitFile, at } of requests) if (unitFile !== undefined) scripts.writeFile(at, standInUnit(unit).path, unitFile);
  const before = scripts.size + 1;
  scripts.add(requests.map(({ at }) => at).join(', '), showOperation(requests), { shared: true });
  requests.forEach(({ unit, confinement, at }, i) => scripts.add(at, closureScript(unit, confinement, `"\${shows[${i}]-}"`)));
  const closures = (await scripts.run(guest, timeoutMs)).slice(before).map(parseClosureOutput);
  // On a Nix guest the closure is what Nix recorded: whole store paths, including what a
  // program only dlopen()s, which ldd never sees.
  const roots = closures.map((closure) => storeRoots(closure.entries));
  const queries = new Batch();
  const asked = requests.flatMap(({ at }, i) => (roots[i].length ? [i] : []));
  for (const i of asked) queries.add(requests[i].at, requisitesScript(roots[i]));
  const listings = await queries.run(guest, timeoutMs);
  asked.forEach((i, n) => {
    closures[i] = { ...closures[i], entries: mergeEntries(closures[i].entries, parseNixListing(listings[n])) };
  });
  return closures;
}
