// What a guest with a /nix/store adds to a closure: the store paths the ldd closure lives
// in, and everything `nix-store --query --requisites` records for them (closure.ts asks).
import { shellQuote } from '../util/quote.js';

/** One bind mount of the chroot: `path` inside, from `source` on the host (the same when absent). */
export interface ClosureEntry {
  path: string;
  source?: string;
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

export /** One line per requisite of `roots`: its path, and its target where it is a symlink. */
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
