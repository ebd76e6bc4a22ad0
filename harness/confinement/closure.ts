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
import type { Confinement } from '../scenario/types.js';

/** One bind mount of the chroot: `path` inside, from `source` on the host (the same when absent). */
export interface ClosureEntry {
  path: string;
  source?: string;
}

export interface Closure {
  entries: ClosureEntry[];
  /** The shell bound at /bin/sh, resolved; absent with `binSh: null`. */
  binSh?: string;
  /** Referenced paths that do not exist in the guest: left out, and said so in the drop-in. */
  missing: string[];
}

/** The unit settings whose programs join the closure, as NixOS's module lists them. */
export const EXEC_SETTINGS = ['ExecStart', 'ExecStartPre', 'ExecStartPost', 'ExecReload', 'ExecStop', 'ExecStopPost'];

/** systemd's parse of those settings; with several units, one block each, a blank line between. */
const SHOW_EXEC_LINES = `systemctl show ${EXEC_SETTINGS.map((s) => `-p ${s}`).join(' ')}`;

/**
 * The bash script that prints a unit's closure, one `bind PATH SOURCE`, `binsh SOURCE` or
 * `missing PATH` line each (tab-separated). It reads the Exec* lines from `systemctl show`,
 * so systemd's own parsing of prefixes and quoting applies, and it runs as root in the guest.
 *
 * Every process costs milliseconds under TCG, so the script forks little: bash builtins
 * read magic numbers and shebangs and remember what was seen, one `ldd` lists the libraries
 * of every program at once (its list is already transitive: libraries are not asked about
 * again), and one `readlink -f` resolves every path at the end.
 */
export function closureScript(unit: string, confinement: Confinement, execLines = `$(${SHOW_EXEC_LINES} -- "$unit")`): string {
  const packages = confinement.packages.map(shellQuote).join(' ');
  return `set -u
export LC_ALL=C
unit=${shellQuote(unit)}
declare -A seen=()
found=()   # paths to bind, in the order found
elves=()   # ELF files, whose libraries one ldd lists at the end

# add PATH: PATH and, once, everything it needs at run time. /bin/sh is binSh's alone, as on
# NixOS (whose Exec and #! lines name store paths): an Exec or #! line naming it binds nothing.
add() {
  local path=$1 magic=''
  [[ $path == /* && $path != /bin/sh && -z \${seen[$path]+x} ]] || return 0
  seen[$path]=1
  if [[ ! -e $path ]]; then printf 'missing\\t%s\\t\\n' "$path"; return 0; fi
  found+=("$path")
  if [[ -d $path ]]; then add_tree "$(readlink -f -- "$path")"; return 0; fi
  [[ -f $path ]] || return 0
  IFS= read -r -N 4 magic < "$path" 2>/dev/null || true
  case $magic in
    $'\\x7fELF') elves+=("$path") ;;
    '#!'*) add_interpreter "$path" ;;
  esac
}

# '#!/usr/bin/env python3' needs env and python3; '#!/bin/sh -e' needs /bin/sh
add_interpreter() {
  local line='' words=()
  IFS= read -r line < "$1" || true
  read -r -a words <<< "\${line#??}"
  (( \${#words[@]} )) || return 0
  add "\${words[0]}"
  if [[ \${words[0]} == */env && \${#words[@]} -gt 1 ]]; then add "$(command -v -- "\${words[1]}" || true)"; fi
}

# a directory (a package) brings its programs' closures too
add_tree() {
  local program
  while IFS= read -r program; do add "$program"; done < <(find "$1" -maxdepth 3 -type f -perm -u+x 2>/dev/null | head -n 200)
}

# systemd's own parse of the Exec* lines: path=PROGRAM ; argv[]=WORDS ; … for each command
exec_lines=${execLines}
path_re='path=([^ ;]*)' argv_re='argv\\[\\]=([^;]*)' file_re='/[A-Za-z0-9_.@+/-]*'
store_re='/nix/store/[0-9a-z]{32}-[A-Za-z0-9+._?=-]+'
programs() {
  local rest=$exec_lines matched args word words
  while [[ $rest =~ $path_re ]]; do
    echo "\${BASH_REMATCH[1]}"
    rest=\${rest#*"\${BASH_REMATCH[0]}"}
  done
  # argv words that name files (e.g. the script of /bin/sh -c or python3 x.py), as a Nix string's context would
  rest=$exec_lines
  while [[ $rest =~ $argv_re ]]; do
    matched=\${BASH_REMATCH[0]} args=\${BASH_REMATCH[1]}
    read -r -a words <<< "$args"
    for word in "\${words[@]}"; do
      [[ $word == /* && -f $word ]] && echo "$word"
      store_paths "$word"
    done
    rest=\${rest#*"$matched"}
  done
}

# the store paths in a word, a directory or inside an option (--data=/nix/store/…/share): they
# are in the Nix string context of NixOS's Exec line, and NixOS binds each whole
store_paths() {
  local rest=$1
  while [[ $rest =~ $store_re ]]; do
    echo "\${BASH_REMATCH[0]}"
    rest=\${rest#*"\${BASH_REMATCH[0]}"}
  done
}

# everything the unit's files mention that is a file (EnvironmentFile=, Environment=X=/path …)
unit_references() {
  local line rest word
  while IFS= read -r line; do
    [[ $line == '#'* ]] && continue
    rest=$line
    while [[ $rest =~ $file_re ]]; do
      word=\${BASH_REMATCH[0]}
      rest=\${rest#*"$word"}
      case $word in /proc/*|/sys/*|/dev/*|/run/*) continue ;; esac
      [[ -f $word ]] && echo "$word"
    done
  done < <(systemctl cat -- "$unit" 2>/dev/null)
}

for program in $(programs); do add "$program"; done
for package in ${packages}; do add "$package"; done
${confinement.fullUnit ? 'for reference in $(unit_references); do add "$reference"; done' : '# fullUnit is off: what the unit merely references (an EnvironmentFile) stays out'}
${
  confinement.binSh === null
    ? '# binSh: null — no /bin/sh in the chroot'
    : `binsh=${shellQuote(confinement.binSh)}
if [[ -e $binsh ]]; then real=$(readlink -f -- "$binsh"); printf 'binsh\\t%s\\t\\n' "$real"; add "$real"; else printf 'missing\\t%s\\t\\n' "$binsh"; fi`
}

# ldd names both the libraries (=> /path) and the loader (/lib64/ld-linux….so.2); with several
# files it heads each list with the file's name, which neither pattern matches
if (( \${#elves[@]} )); then
  while IFS= read -r line; do
    if [[ $line =~ "=> "(/[^ ]*)" (" || $line =~ ^[[:space:]]*(/[^ ]*)" (" ]]; then lib=\${BASH_REMATCH[1]}; else continue; fi
    [[ -z \${seen[$lib]+x} && -e $lib ]] || continue
    seen[$lib]=1
    found+=("$lib")
  done < <(ldd -- "\${elves[@]}" 2>/dev/null)
fi

(( \${#found[@]} )) || exit 0
mapfile -t sources < <(readlink -f -- "\${found[@]}")
for i in "\${!found[@]}"; do
  source=\${sources[$i]-}
  # a path gone between the two looks: resolve it alone rather than misalign the rest
  (( \${#sources[@]} == \${#found[@]} )) || source=$(readlink -f -- "\${found[$i]}")
  printf 'bind\\t%s\\t%s\\n' "\${found[$i]}" "$source"
done
`;
}

/** Reads what closureScript printed. */
export function parseClosureOutput(text: string): Closure {
  const closure: Closure = { entries: [], missing: [] };
  for (const line of text.split('\n')) {
    const [kind, path, source] = line.split('\t');
    if (kind === 'bind' && path) closure.entries.push(source && source !== path ? { path, source } : { path });
    else if (kind === 'missing' && path) closure.missing.push(path);
    else if (kind === 'binsh' && path) closure.binSh = path;
  }
  return closure;
}

/**
 * `nix-store --query --requisites` output: one store path a line. A store path that is a
 * symlink is bound from its target (as NixOS does), so `symlinks` maps those that are.
 */
export function parseNixRequisites(text: string, symlinks: ReadonlyMap<string, string> = new Map()): ClosureEntry[] {
  const paths = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^\/nix\/store\/[0-9a-z]{32}-[^/]+$/.test(line));
  return [...new Set(paths)].map((path) => {
    const target = symlinks.get(path);
    return target ? { path, source: target } : { path };
  });
}

/** The store paths (/nix/store/HASH-NAME) that closure entries live in. */
export function storeRoots(entries: ClosureEntry[]): string[] {
  const roots = entries
    .map((entry) => /^\/nix\/store\/[0-9a-z]{32}-[^/]+/.exec(entry.source ?? entry.path)?.[0])
    .filter((root): root is string => root !== undefined);
  return [...new Set(roots)];
}

/** Adds entries not already bound, keeping the first binding of each path. */
export function mergeEntries(entries: ClosureEntry[], more: ClosureEntry[]): ClosureEntry[] {
  const seen = new Set(entries.map((entry) => entry.path));
  return [...entries, ...more.filter((entry) => !seen.has(entry.path) && seen.add(entry.path))];
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
  requests.forEach(({ unit, confinement, at }, i) => scripts.add(at, closureScript(unit, confinement, `\${shows[${i}]-}`)));
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

/** One line per requisite of `roots`: its path, and its target where it is a symlink. */
function requisitesScript(roots: string[]): string {
  return (
    `for p in $(nix-store --query --requisites -- ${roots.map(shellQuote).join(' ')}); do ` +
    `if [ -L "$p" ]; then printf '%s\\t%s\\n' "$p" "$(readlink -f -- "$p")"; else printf '%s\\n' "$p"; fi; done`
  );
}

/**
 * What requisitesScript printed: one requisite a line, `PATH` or, for a store path that is
 * a symlink, `PATH<tab>TARGET`. test/fixtures/nix/ holds one recorded from a guest.
 */
export function parseNixListing(listing: string): ClosureEntry[] {
  const lines = listing.split('\n').filter(Boolean).map((line) => line.split('\t'));
  const requisites = lines.map(([path]) => path).join('\n');
  const symlinks = new Map(lines.filter((parts) => parts.length === 2).map(([path, target]) => [path, target] as [string, string]));
  return parseNixRequisites(requisites, symlinks);
}
