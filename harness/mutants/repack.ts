// A package with its files changed: `dpkg-deb -R` unpacks it, each change of the catalogue
// entry is applied, DEBIAN/md5sums follows the change, and `dpkg-deb -b` packs it again
// under its own name and version. A change that does not apply to what the package ships
// is an error at the change's place in the catalogue (FILE:LINE:COL and key).
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ScenarioError } from '../scenario/errors.js';
import type { FileChange, Place } from './package-catalogue.js';

/** What a change did, as image.json records it. */
export interface ChangedFile {
  path: string;
  change: 'removed' | 'replaced' | 'edited';
  /** md5 of the file as the package shipped it, and after the change (absent: removed). */
  md5Before?: string;
  md5After?: string;
}

/** The package's name, version and architecture, as its control file says. */
export interface DebIdentity {
  package: string;
  version: string;
  architecture: string;
}

export async function debIdentity(deb: string): Promise<DebIdentity> {
  const { stdout } = await execa('dpkg-deb', ['--show', '--showformat=${Package}\t${Version}\t${Architecture}', deb]);
  const [pkg, version, architecture] = stdout.split('\t');
  return { package: pkg, version, architecture };
}

/** Repacks `deb` with `changes` into `outDir` (same file name): the files changed. */
export async function repack(deb: string, changes: readonly FileChange[], outDir: string): Promise<{ deb: string; changed: ChangedFile[] }> {
  const id = await debIdentity(deb);
  const work = await mkdtemp(path.join(os.tmpdir(), 'harness-repack-'));
  try {
    const root = path.join(work, 'root');
    await execa('dpkg-deb', ['-R', deb, root]);
    const changed = await applyChanges(root, changes, `${id.package} ${id.version}`);
    const out = path.join(outDir, path.basename(deb));
    // Unpacked as root, the files keep their owners; otherwise they are the caller's, and
    // a package's files are root's.
    const owners = process.getuid?.() === 0 ? [] : ['--root-owner-group'];
    await execa('dpkg-deb', [...owners, '-Zgzip', '-b', root, out]);
    return { deb: out, changed };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Applies each change to the unpacked package at `root`, keeping DEBIAN/md5sums true.
 *  `what` names the package and version in errors. */
export async function applyChanges(root: string, changes: readonly FileChange[], what: string): Promise<ChangedFile[]> {
  const conffiles = await readLines(path.join(root, 'DEBIAN/conffiles'));
  const isConffile = (p: string) => conffiles.some((line) => line.split(/\s+/).pop() === p);
  const sums = await Md5sums.read(path.join(root, 'DEBIAN/md5sums'));
  const changed: ChangedFile[] = [];
  for (const change of changes) {
    const file = path.join(root, change.path);
    const stat = await lstat(file).catch(() => undefined);
    if (!stat) throw await notShipped(root, change, what);
    if (stat.isDirectory()) throw placed(change.place, `${what} ships ${change.path} as a folder: name the files in it`);
    if (change.kind === 'remove') {
      // dpkg leaves a conffile that a new package no longer ships on the disk ("obsolete"),
      // so the guest would keep it: the mutant would change nothing.
      if (isConffile(change.path)) throw placed(change.place, `${change.path} is a conffile of ${what}: dpkg keeps a conffile the package stops shipping, so removing it changes nothing; edit it instead`);
      const before = stat.isFile() ? md5(await readFile(file)) : undefined;
      await unlink(file);
      sums.drop(change.path);
      changed.push({ path: change.path, change: 'removed', ...(before ? { md5Before: before } : {}) });
      continue;
    }
    if (!stat.isFile()) throw placed(change.place, `${what} ships ${change.path} as a symbolic link: only remove: applies to it`);
    const old = await readFile(file);
    const next = change.kind === 'content' ? Buffer.from(change.content) : edited(old, change, what);
    if (next.equals(old)) throw placed(change.place, `${what}'s ${change.path} already holds that: the change changes nothing`);
    await writeFile(file, next);
    sums.set(change.path, md5(next));
    changed.push({ path: change.path, change: change.kind === 'content' ? 'replaced' : 'edited', md5Before: md5(old), md5After: md5(next) });
  }
  await sums.write();
  return changed;
}

function edited(old: Buffer, change: Extract<FileChange, { kind: 'edit' }>, what: string): Buffer {
  const needle = Buffer.from(change.replace);
  const at: number[] = [];
  for (let i = old.indexOf(needle); i !== -1; i = old.indexOf(needle, i + 1)) at.push(i);
  if (at.length !== 1) {
    const hint = at.length ? 'make it longer, so it names one place' : 'the package may have moved on: look at the file as this version ships it';
    throw placed(change.replacePlace, `found ${at.length} times in ${what}'s ${change.path}, not once; ${hint}`);
  }
  return Buffer.concat([old.subarray(0, at[0]), Buffer.from(change.with), old.subarray(at[0] + needle.length)]);
}

/** A path the package does not ship; the same path across the merged /usr is a hint. */
async function notShipped(root: string, change: FileChange, what: string): Promise<ScenarioError> {
  const other = change.path.startsWith('/usr/') ? change.path.slice(4) : `/usr${change.path}`;
  const there = await lstat(path.join(root, other)).then(() => true, () => false);
  return placed(change.place, `${what} ships no ${change.path}${there ? ` (it ships ${other})` : ''}`);
}

function placed(place: Place, problem: string): ScenarioError {
  return new ScenarioError(place.at.file, place.at.line, place.at.col, place.key, problem);
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

async function readLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');
}

/** DEBIAN/md5sums: "MD5  path" lines, the path without its leading slash. */
class Md5sums {
  private constructor(
    private readonly file: string,
    private lines: string[],
    private readonly present: boolean,
  ) {}

  static async read(file: string): Promise<Md5sums> {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    return new Md5sums(file, text === undefined ? [] : text.split('\n').filter(Boolean), text !== undefined);
  }

  private index(p: string): number {
    return this.lines.findIndex((line) => line.replace(/^[0-9a-f]{32} +/, '') === p.replace(/^\//, ''));
  }

  drop(p: string): void {
    this.lines = this.lines.filter((_, i) => i !== this.index(p));
  }

  /** A file the package lists (conffiles are not): its sum follows the change. */
  set(p: string, sum: string): void {
    const i = this.index(p);
    if (i !== -1) this.lines[i] = `${sum}  ${p.replace(/^\//, '')}`;
  }

  async write(): Promise<void> {
    if (this.present) await writeFile(this.file, this.lines.map((l) => `${l}\n`).join(''));
  }
}
