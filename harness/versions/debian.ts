// Debian version ordering (deb-version(7)), as dpkg --compare-versions applies it.
// Written here rather than taken from npm: the one candidate package (deb-version-compare
// 1.2.1) is a single unreviewed release without types, and the algorithm is dpkg's
// verrevcmp in a few lines; test/unit/versions.test.ts checks it against dpkg itself.

export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** "1:2.38.1-5+deb12u3" → epoch 1, upstream "2.38.1", revision "5+deb12u3". */
export function parseDebianVersion(text: string): DebianVersion | undefined {
  const match = /^(?:(\d+):)?([0-9][A-Za-z0-9.+~:-]*?)(?:-([A-Za-z0-9.+~]+))?$/.exec(text);
  if (!match) return undefined;
  // Without an epoch, a colon may not appear in the upstream part; without a revision, no hyphen.
  if (match[1] === undefined && match[2].includes(':')) return undefined;
  return { epoch: Number(match[1] ?? 0), upstream: match[2], revision: match[3] ?? '' };
}

/** <0, 0 or >0 as a sorts before, with or after b; both must parse. */
export function compareDebianVersions(a: string, b: string): number {
  const va = parseDebianVersion(a);
  const vb = parseDebianVersion(b);
  if (!va || !vb) throw new Error(`not a Debian version: "${va ? b : a}"`);
  return va.epoch - vb.epoch || compareParts(va.upstream, vb.upstream) || compareParts(va.revision, vb.revision);
}

/** In the non-digit runs: ~ before everything, even the end; then the end; letters; then the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // a run of non-digits, compared character by character
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = i < a.length && !isDigit(a[i]) ? a[i] : undefined;
      const bc = j < b.length && !isDigit(b[j]) ? b[j] : undefined;
      const diff = order(ac) - order(bc);
      if (diff) return diff;
      i++;
      j++;
    }
    // then a run of digits, compared as a number (leading zeros do not count)
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let first = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!first) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (first) return first;
  }
  return 0;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}
