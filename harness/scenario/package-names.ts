// Debian package names as scenarios write them: `when:`'s keys, `upgrade:`'s list and
// `packages:`, read one way.
import type { Reader, Value } from './read.js';

/** Debian policy's package name: lower-case letters, digits, + - ., two characters at least. */
export const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/** A list of package names, each valid and named once, at least one; errors point at the item. */
export function readPackageNames(r: Reader, v: Value, what: string): string[] | undefined {
  const items = r.items(v, `a list of ${what} (Debian package names)`);
  if (!items) return undefined;
  if (items.length === 0) return r.fail(v.at, v.path, `name at least one package (${what})`);
  const names: string[] = [];
  for (const item of items) {
    const name = r.string(item, 'a Debian package name');
    if (name === undefined) continue;
    if (!PACKAGE_NAME.test(name)) r.fail(item.at, item.path, `"${name}" is not a Debian package name (lower-case letters, digits, + - .), e.g. apparmor`);
    else if (names.includes(name)) r.fail(item.at, item.path, `${name} is named twice`);
    else names.push(name);
  }
  return names.length === items.length ? names : undefined;
}
