// The runtime closure of a confined service: every file its programs need, found inside
// the guest (the harness's host has neither the guest's binaries nor its loader).
//
// On an ordinary distribution that is: the programs of the unit's Exec* lines, the shared
// libraries and the dynamic loader `ldd` names for each, the interpreter of a `#!` script
// (recursively), the `packages` paths with their own closures and the `binSh` shell. Each
// path is bound at the name the programs use, from the file that name resolves to, so a
// symlink (/lib64/ld-linux-x86-64.so.2, /bin/sh → dash) still resolves inside the chroot.
// On a guest with a /nix/store the closure is `nix-store --query --requisites` instead.
import type { Guest } from '../guest/guest.js';
import { shellQuote } from '../guest/quote.js';
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

/**
 * The shell script that prints a unit's closure, one `bind PATH SOURCE`, `binsh SOURCE` or
 * `missing PATH` line each (tab-separated). It reads the Exec* lines from `systemctl show`,
 * so systemd's own parsing of prefixes and quoting applies, and it runs as root in the guest.
 */
export function closureScript(unit: string, confinement: Confinement): string {
  const packages = confinement.packages.map(shellQuote).join(' ');
  return `set -u
unit=${shellQuote(unit)}
seen=$(mktemp)
trap 'rm -f "$seen"' EXIT

emit() { printf '%s\\t%s\\t%s\\n' "$@"; }

# add PATH: PATH and, once, everything it needs at run time
add() {
  case "$1" in /*) ;; *) return ;; esac
  if grep -qxF -- "$1" "$seen"; then return; fi
  echo "$1" >> "$seen"
  if [ ! -e "$1" ]; then emit missing "$1" ""; return; fi
  real=$(readlink -f -- "$1")
  emit bind "$1" "$real"
  if [ -d "$real" ]; then add_tree "$real"; return; fi
  [ -f "$real" ] || return 0
  magic=$(head -c 4 -- "$real" | od -An -c | tr -d ' ')
  case "$magic" in
    177ELF*) add_libraries "$1" ;;
    '#!'*) add_interpreter "$real" ;;
  esac
}

# ldd names both the libraries (=> /path) and the loader (/lib64/ld-linux….so.2)
add_libraries() {
  for lib in $(ldd -- "$1" 2>/dev/null | sed -n -e 's/.*=> \\(\\/[^ ]*\\) (.*/\\1/p' -e 's/^[[:space:]]*\\(\\/[^ ]*\\) (.*/\\1/p'); do
    add "$lib"
  done
}

# '#!/usr/bin/env python3' needs env and python3; '#!/bin/sh -e' needs /bin/sh
add_interpreter() {
  set -- $(head -n 1 -- "$1" | cut -c 3-)
  [ $# -gt 0 ] || return 0
  add "$1"
  case "$1" in
    */env) [ $# -gt 1 ] && add "$(command -v -- "$2" || true)" ;;
  esac
}

# a directory (a package) brings its programs' closures too
add_tree() {
  find "$1" -maxdepth 3 -type f -perm -u+x 2>/dev/null | head -n 200 | while read -r program; do add "$program"; done
}

programs() {
  systemctl show ${EXEC_SETTINGS.map((s) => `-p ${s}`).join(' ')} -- "$unit" | grep -o 'path=[^ ;]*' | cut -d= -f2
  # argv words that name files (e.g. the script of /bin/sh -c or python3 x.py), as a Nix string's context would
  systemctl show ${EXEC_SETTINGS.map((s) => `-p ${s}`).join(' ')} -- "$unit" | grep -o 'argv\\[\\]=[^;]*' | cut -d= -f2- | tr ' ' '\\n' | grep '^/' | while read -r word; do
    [ -f "$word" ] && echo "$word"
  done
}

# everything the unit's files mention that is a file (EnvironmentFile=, Environment=X=/path …)
unit_references() {
  systemctl cat -- "$unit" 2>/dev/null | grep -v '^#' | grep -o '/[A-Za-z0-9_.@+/-]*' | while read -r word; do
    case "$word" in /proc/*|/sys/*|/dev/*|/run/*) continue ;; esac
    [ -f "$word" ] && echo "$word"
  done
}

for program in $(programs); do add "$program"; done
for package in ${packages}; do add "$package"; done
${confinement.fullUnit ? 'for reference in $(unit_references); do add "$reference"; done' : '# fullUnit is off: what the unit merely references (an EnvironmentFile) stays out'}
${
  confinement.binSh === null
    ? '# binSh: null — no /bin/sh in the chroot'
    : `binsh=${shellQuote(confinement.binSh)}
if [ -e "$binsh" ]; then emit binsh "$(readlink -f -- "$binsh")" ""; add "$(readlink -f -- "$binsh")"; else emit missing "$binsh" ""; fi`
}
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

/** Computes a unit's closure in the guest. The unit must already be loaded by systemd. */
export async function computeClosure(guest: Guest, unit: string, confinement: Confinement, timeoutMs: number): Promise<Closure> {
  const closure = parseClosureOutput(await guest.succeed(closureScript(unit, confinement), { timeoutMs }));
  const roots = storeRoots(closure.entries);
  if (roots.length === 0) return closure;
  // On a Nix guest the closure is what Nix recorded: whole store paths, including what a
  // program only dlopen()s, which ldd never sees.
  // One line per requisite: its path, and its target where it is a symlink.
  const listing = await guest.succeed(
    `for p in $(nix-store --query --requisites -- ${roots.map(shellQuote).join(' ')}); do ` +
      `if [ -L "$p" ]; then printf '%s\\t%s\\n' "$p" "$(readlink -f -- "$p")"; else printf '%s\\n' "$p"; fi; done`,
    { timeoutMs },
  );
  return { ...closure, entries: mergeEntries(closure.entries, parseNixListing(listing)) };
}

/**
 * What computeClosure's listing printed: one requisite a line, `PATH` or, for a store path
 * that is a symlink, `PATH<tab>TARGET`. test/fixtures/nix/ holds one recorded from a guest.
 */
export function parseNixListing(listing: string): ClosureEntry[] {
  const lines = listing.split('\n').filter(Boolean).map((line) => line.split('\t'));
  const requisites = lines.map(([path]) => path).join('\n');
  const symlinks = new Map(lines.filter((parts) => parts.length === 2).map(([path, target]) => [path, target] as [string, string]));
  return parseNixRequisites(requisites, symlinks);
}
