// Each row of the confinement table held to what NixOS's own module makes of it
// (nixos-confinement.ts): the table's NixOS fields must be what the evaluation writes, and
// the harness's drop-in must be, setting by setting, what the module adds to the service.
// Where the harness deliberately differs on Debian, the difference has a name (DIFFERENCES)
// and is handled by that name only: a row-level one must be named in the row's `debian:`,
// and a row that names one it no longer needs is red too.
import { realpathSync, statSync } from 'node:fs';
import { ScenarioErrors } from '../../harness/scenario/errors.js';
import { systemdBoolean } from '../../harness/scenario/unit-settings.js';
import { BIND, bindsOf, harnessDropIn, loadRow, settingLines, type Row } from './confinement-table.js';
import { evaluateNixos, type Accepted, type NixosSource, type NixosVerdict, type NixValue } from './nixos-confinement.js';

/** A place where the harness or the table is not what NixOS's module gives. */
export interface Difference {
  row: string;
  setting: string;
  what: string;
}
export const describeDifference = (d: Difference) => `row "${d.row}": ${d.setting}: ${d.what}`;

/** The deliberate differences on Debian; `every row` ones are how the comparison is made. */
export const DIFFERENCES: Record<string, { scope: 'every row' | 'row'; what: string }> = {
  'binsh-default': { scope: 'every row', what: "environment.binsh (confinement.binSh's default) is the guest's /bin/sh, Debian's dash; NixOS's is bash's" },
  'guest-paths': { scope: 'every row', what: "the guest's files stand where NixOS has store paths: an Exec line's program, a package, binSh" },
  'closure-file-by-file': {
    scope: 'every row',
    what: "NixOS binds every store path of the closure of confinement.packages whole; the harness each file they need, ldd's libraries included. closureInfo would build, so NixOS's closure lines are not evaluated: every path confinement.packages names must be bound instead",
  },
  'systemd-spelling': { scope: 'every row', what: 'NixOS writes a boolean true or false, the harness yes or no: compared as systemd reads them' },
  'systemd-boolean-words': {
    scope: 'row',
    what: "a scenario speaks systemd: a setting the module negates may be one of systemd's words for true or false, on which NixOS's evaluation fails; compared with the boolean systemd reads",
  },
  'binsh-null-means-none': { scope: 'row', what: 'binSh: null binds nothing at /bin/sh though an Exec line names /bin/sh (on NixOS that line names a store path, bound at itself)' },
  'full-unit-files': {
    scope: 'row',
    what: "fullUnit roots the closure at the unit's JSON: NixOS binds every store path in it, the harness every file of the guest the unit's text names but those under /proc, /sys, /dev and /run",
  },
};

/** The table's fields the evaluation writes. */
export interface NixosFields {
  dropIn?: string[];
  binSh?: string | null;
  refused?: string;
}

/** What the harness made of the row: its loader's refusal, or the drop-in it writes. */
export type HarnessSide = { refused: { key: string; problem: string }[] } | { refused?: undefined; dropIn: string };

export async function harnessSide(row: Row): Promise<HarnessSide> {
  try {
    return { dropIn: await harnessDropIn(loadRow(row)) };
  } catch (err) {
    if (!(err instanceof ScenarioErrors)) throw err;
    return { refused: err.errors.map((e) => ({ key: e.key, problem: e.problem })) };
  }
}

const toList = (value: NixValue): NixValue[] => (Array.isArray(value) ? value : [value]);
/** A value as a drop-in writes it (systemd-spelling: a boolean as yes or no). */
const systemdText = (value: NixValue) => (value === true ? 'yes' : value === false ? 'no' : String(value));
/** A value as systemd reads it: any of its words for a boolean is that boolean. */
function canonical(text: string): string {
  const value = systemdBoolean(text);
  return value === undefined ? text : value ? 'yes' : 'no';
}

/** What the module adds to the service's own serviceConfig, then its confinement.conf. */
export function nixosDropIn(v: Accepted): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(v.serviceConfig)) {
    const own = v.ownServiceConfig[key];
    let added = toList(value);
    if (own !== undefined && Array.isArray(value)) {
      for (const item of toList(own)) {
        const at = added.findIndex((x) => JSON.stringify(x) === JSON.stringify(item));
        if (at >= 0) added.splice(at, 1);
      }
    } else if (own !== undefined && JSON.stringify(own) === JSON.stringify(value)) {
      added = [];
    }
    lines.push(...added.map((item) => `${key}=${systemdText(item)}`));
  }
  return [...lines, ...v.confinementConf];
}

export function nixosFields(v: NixosVerdict): NixosFields {
  if (v.refused !== undefined) return { refused: v.refused };
  return { dropIn: nixosDropIn(v).filter((line) => !line.startsWith(BIND)), binSh: v.binSh };
}

/** Setting by setting (values in any order, as systemd reads them), `theirs` against NixOS's. */
function settingDifferences(row: Row, theirs: string[], nixos: string[], who: string): Difference[] {
  const bySetting = (lines: string[]) => {
    const map = new Map<string, string[]>();
    for (const line of lines) {
      const at = line.indexOf('=');
      map.set(line.slice(0, at), [...(map.get(line.slice(0, at)) ?? []), canonical(line.slice(at + 1))]);
    }
    return map;
  };
  const [a, b] = [bySetting(theirs), bySetting(nixos)];
  const show = (values?: string[]) => (values ? values.map((v) => JSON.stringify(v)).join(', ') : 'nothing');
  return [...new Set([...b.keys(), ...a.keys()])].flatMap((setting) => {
    const [mine, its] = [a.get(setting)?.sort(), b.get(setting)?.sort()];
    if (JSON.stringify(mine) === JSON.stringify(its)) return [];
    return [{ row: row.row, setting, what: `NixOS's module gives ${show(its)}; ${who} ${show(mine)}` }];
  });
}

/** The table's NixOS fields against the evaluation's: stale when they differ. */
export function compareTable(row: Row, fields: NixosFields): Difference[] {
  const stale = (setting: string, what: string) => [{ row: row.row, setting, what: `${what} (make confinement-table writes what NixOS gives)` }];
  if (fields.refused !== undefined) {
    if (row.refused?.nixos !== fields.refused) return stale('refused', `NixOS refuses it: ${fields.refused}; the table says ${row.refused?.nixos ?? 'it does not'}`);
    return row.dropIn ? stale('dropIn', 'the table has a drop-in for a service NixOS refuses') : [];
  }
  if (row.refused?.nixos !== undefined) return stale('refused', `the table says NixOS refuses it (${row.refused.nixos}); NixOS confines it`);
  const differences = settingDifferences(row, row.dropIn ?? [], fields.dropIn!, 'the table says').map((d) => ({ ...d, what: `${d.what} (make confinement-table writes what NixOS gives)` }));
  if (row.binSh !== fields.binSh) differences.push(...stale('binSh', `NixOS's confinement.binSh is ${JSON.stringify(fields.binSh)}; the table says ${JSON.stringify(row.binSh)}`));
  return differences;
}

/** The harness against NixOS: refusing the same services for the same setting, adding the same settings, binding every root. */
export function compareHarness(row: Row, v: NixosVerdict, harness: HarnessSide, used: Set<string>): Difference[] {
  const named = Object.keys(typeof row.debian === 'object' ? row.debian : {});
  if (v.refused !== undefined && harness.refused) {
    return harness.refused.flatMap(({ key }) => {
      const setting = key.split('.').pop()!;
      return v.refused.includes(setting) ? [] : [{ row: row.row, setting, what: `both refuse it, but NixOS's refusal does not name ${setting}: ${v.refused}` }];
    });
  }
  if (v.refused !== undefined) return [{ row: row.row, setting: 'refused', what: `NixOS refuses it: ${v.refused}; the harness confines it` }];
  if (harness.refused) return harness.refused.map(({ key, problem }) => ({ row: row.row, setting: key.split('.').pop()!, what: `the harness refuses it (${problem}); NixOS confines it` }));
  const lines = settingLines(harness.dropIn);
  // closure-file-by-file: of the harness's binds, only the one at /bin/sh has a NixOS line to meet.
  const compared = lines.filter((line) => !line.startsWith(BIND) || bindsOf([line])[0][1] === '/bin/sh');
  return [...settingDifferences(row, compared, nixosDropIn(v), 'the harness writes'), ...rootDifferences(row, v, lines, named, used)];
}

const unescape = (p: string) => p.replace(/\\x20/g, ' ').replace(/\\:/g, ':').replace(/\\\\/g, '\\');

/** closure-file-by-file: every path NixOS's roots (confinement.packages) name is bound in the chroot. */
function rootDifferences(row: Row, v: Accepted, lines: string[], named: string[], used: Set<string>): Difference[] {
  const inside = bindsOf(lines).map(([, p]) => unescape(p));
  const bound = (p: string) => inside.some((b) => p === b || p.startsWith(`${b}/`));
  const differences: Difference[] = [];
  const differ = (what: string) => differences.push({ row: row.row, setting: 'roots', what });
  v.packages.forEach((root, i) => {
    let paths: string[];
    if (root.startsWith('{')) {
      if (!named.includes('full-unit-files')) return differ(`NixOS roots the closure at the whole unit (fullUnit), and the row names no difference for it: ${root.slice(0, 80)}…`);
      used.add('full-unit-files');
      paths = unitFiles(root);
    } else if (i === v.packages.length - 1 && root === v.binSh) {
      // guest-paths: binSh is bound as the file it resolves to (and that, at /bin/sh).
      paths = [resolved(root)];
    } else {
      paths = rootPaths(root);
    }
    for (const p of paths.filter((p) => !bound(p))) {
      if (p === '/bin/sh' && v.binSh === null && named.includes('binsh-null-means-none')) {
        used.add('binsh-null-means-none');
        continue;
      }
      differ(`${p}, which NixOS's root "${root.length > 80 ? `${root.slice(0, 80)}…` : root}" names, is not bound in the chroot`);
    }
  });
  return differences;
}

function resolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** An Exec line's program (after systemd's prefixes) and the store paths of its arguments; a package: itself. */
function rootPaths(root: string): string[] {
  const [program, ...args] = root.trim().split(/\s+/);
  return [program.replace(/^[-@:+!|]*/, ''), ...args.filter((a) => a.startsWith('/nix/store/'))].filter((p) => p.startsWith('/'));
}

/** full-unit-files: the files of the guest the unit's text names, but under /proc, /sys, /dev, /run. */
function unitFiles(json: string): string[] {
  const text = (JSON.parse(json) as { text?: string }).text ?? '';
  const words = text.match(/\/[A-Za-z0-9_.@+/-]*/g) ?? [];
  return [...new Set(words)].filter((w) => !/^\/(proc|sys|dev|run)\//.test(w) && isFile(w));
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export interface RowCheck {
  row: string;
  verdict: NixosVerdict;
  fields: NixosFields;
  /** Row-level differences the comparison relied on. */
  used: string[];
  differences: Difference[];
}

export interface CheckOptions {
  source?: NixosSource;
  /** The harness's side (default: the loader, the closure and the drop-in of harness/). */
  harness?: (row: Row) => Promise<HarnessSide>;
}

/** One row: NixOS's evaluation, the table against it, the harness against it, the names used. */
export async function checkRow(row: Row, options: CheckOptions = {}): Promise<RowCheck> {
  const named = Object.keys(typeof row.debian === 'object' ? row.debian : {});
  const differences: Difference[] = named
    .filter((name) => !DIFFERENCES[name])
    .map((name) => ({ row: row.row, setting: 'debian', what: `"${name}" is no difference the comparison knows (${Object.keys(DIFFERENCES).join(', ')})` }));
  if (row.debian !== undefined && (typeof row.debian !== 'object' || Array.isArray(row.debian))) {
    differences.push({ row: row.row, setting: 'debian', what: 'must map each named difference (DIFFERENCES) to why the harness differs there' });
  }
  const used = new Set<string>();
  let verdict = await evaluateNixos(row, options.source);
  // Nix 2.8 says "value is a string while a Boolean was expected", later ones "expected a Boolean but found a string".
  if (/a string while a Boolean was expected|expected a Boolean but found a string/.test(verdict.refused ?? '') && named.includes('systemd-boolean-words')) {
    const asSystemdReadsIt = await evaluateNixos(row, options.source, true);
    if (asSystemdReadsIt.refused === undefined) {
      used.add('systemd-boolean-words');
      verdict = asSystemdReadsIt;
    }
  }
  const fields = nixosFields(verdict);
  differences.push(...compareTable(row, fields));
  differences.push(...compareHarness(row, verdict, await (options.harness ?? harnessSide)(row), used));
  for (const name of named.filter((n) => DIFFERENCES[n]?.scope === 'row' && !used.has(n))) {
    differences.push({ row: row.row, setting: 'debian', what: `names ${name}, but NixOS and the harness do not differ there: remove it` });
  }
  return { row: row.row, verdict, fields, used: [...used], differences };
}

/** Every row, `jobs` at a time (each is a nix-instantiate or two and a bash), in the table's order. */
export async function checkRows(rows: Row[], options: CheckOptions = {}, jobs = 2): Promise<RowCheck[]> {
  const results: RowCheck[] = new Array(rows.length);
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const i = next++;
      results[i] = await checkRow(rows[i], options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, rows.length) }, worker));
  return results;
}
