// Package mutants: the catalogue's `packages:` entries are read with every problem at
// FILE:LINE:COL and its key; the repack changes a real .deb (built here with dpkg-deb, so the
// test needs no network) the way the entry says, keeps DEBIAN/md5sums true and refuses what
// would change nothing; a change that does not apply names its place in the catalogue.
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { derivedImages } from '../../harness/commands/cache.js';
import { loadCatalogue } from '../../harness/mutants/catalogue.js';
import { baselineOn, scenariosFor } from '../../harness/mutants/package.js';
import { mutantHash, mutantImageName } from '../../harness/mutants/package-image.js';
import { debIdentity, repack } from '../../harness/mutants/repack.js';
import { renderTable, stepKey, verdictResults } from '../../harness/mutants/verdict.js';
import { loadScenarioText } from '../../harness/load/load.js';
import { ScenarioErrors } from '../../harness/scenario/errors.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

async function catalogueErrors(text: string): Promise<string[]> {
  const file = path.join(await tempDir(), 'catalogue.yaml');
  await writeFile(file, text);
  try {
    await loadCatalogue(file);
  } catch (err) {
    if (!(err instanceof ScenarioErrors)) throw err;
    return err.errors.map((e) => e.message.replace(`${file}:`, 'catalogue.yaml:'));
  }
  assert.unreachable('expected errors');
  return [];
}

test('a package entry\'s mistakes are each reported at FILE:LINE:COL with the key', async () => {
  const errors = await catalogueErrors(`packages:
  - name: Bad_Name
    image: debian-bookworm
    package: udev
    files:
      lib/udev/x.rules: {remove: true}
      /lib/udev/y.rules: {remove: true, content: "x"}
      /lib/udev/z.rules: {replace: "a"}
      /lib/udev/w.rules: {replace: "a", with: "a"}
      /lib/udev/v.rules: {remove: false}
      /lib/udev/u.rules: {with: "b"}
      /lib/udev/t.rules: {contents: "b"}
  - name: no-files
    image: debian-bookworm
    package: systemd
    files: {}
    firts: [x]
`);
  assert.equal(errors, [
    'catalogue.yaml:2:11: packages[0].name: a mutant\'s name is lowercase letters, digits and -, got "Bad_Name"',
    'catalogue.yaml:6:7: packages[0].files["lib/udev/x.rules"]: expected an absolute path of a file the package ships, got "lib/udev/x.rules"',
    'catalogue.yaml:7:7: packages[0].files["/lib/udev/y.rules"]: give one of remove, content or replace, not remove and content',
    'catalogue.yaml:8:26: packages[0].files["/lib/udev/z.rules"].with: `replace:` needs `with:` (the replacement)',
    'catalogue.yaml:9:47: packages[0].files["/lib/udev/w.rules"].with: `with:` is the text it replaces: the change changes nothing',
    'catalogue.yaml:10:35: packages[0].files["/lib/udev/v.rules"].remove: remove: false changes nothing; leave the file out',
    'catalogue.yaml:11:7: packages[0].files["/lib/udev/u.rules"]: say what becomes of the file: remove: true, content: TEXT, or replace: TEXT with: TEXT',
    'catalogue.yaml:12:7: packages[0].files["/lib/udev/t.rules"]: say what becomes of the file: remove: true, content: TEXT, or replace: TEXT with: TEXT',
    'catalogue.yaml:12:27: packages[0].files["/lib/udev/t.rules"].contents: unknown key `contents` in a file change (remove: true, content: TEXT, or replace: TEXT with: TEXT); did you mean `content`?',
    'catalogue.yaml:16:12: packages[1].files: name at least one file: a mutant that changes nothing proves nothing',
    'catalogue.yaml:17:5: packages[1].firts: unknown key `firts` in a package mutant; known keys: name, description, image, package, files, first',
  ]);
});

test('two mutants of one name are refused: --only could not tell them apart', async () => {
  const entry = (pkg: string) => `  - {name: twice, image: debian-bookworm, package: ${pkg}, files: {/x: {remove: true}}}\n`;
  assert.equal(await catalogueErrors(`packages:\n${entry('udev')}${entry('systemd')}`), ['catalogue.yaml:3:5: a second mutant named "twice": --only could not tell them apart']);
});

/** A small real package: a file, a conffile, a symlink, md5sums as dh_md5sums writes them. */
async function smallDeb(dir: string): Promise<string> {
  const root = path.join(dir, 'pkg');
  await mkdir(path.join(root, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(root, 'usr/lib/sysctl.d'), { recursive: true });
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await mkdir(path.join(root, 'lib/systemd/system/multi-user.target.wants'), { recursive: true });
  const files: Record<string, string> = {
    'usr/lib/sysctl.d/50-x.conf': 'kernel.pid_max = 4194304\n',
    'usr/lib/sysctl.d/60-y.conf': 'fs.protected_regular = 1\nfs.protected_fifos = 1\n',
    'lib/systemd/system/x.service': '[Service]\nExecStart=/bin/true\n',
    'etc/x.conf': 'a = 1\n',
  };
  for (const [p, text] of Object.entries(files)) await writeFile(path.join(root, p), text);
  await chmod(path.join(root, 'usr/lib/sysctl.d/60-y.conf'), 0o640);
  await symlink('../x.service', path.join(root, 'lib/systemd/system/multi-user.target.wants/x.service'));
  await writeFile(path.join(root, 'DEBIAN/control'), 'Package: harness-small\nVersion: 1:2.3-4~deb12u1\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: a test package\n');
  await writeFile(path.join(root, 'DEBIAN/conffiles'), '/etc/x.conf\n');
  const sums = Object.entries(files).filter(([p]) => !p.startsWith('etc/')).map(([p, t]) => `${md5(t)}  ${p}\n`);
  await writeFile(path.join(root, 'DEBIAN/md5sums'), sums.join(''));
  const deb = path.join(dir, 'harness-small_2.3-4~deb12u1_all.deb');
  await execa('dpkg-deb', ['--root-owner-group', '-b', root, deb]);
  return deb;
}

const md5 = (text: string | Buffer) => createHash('md5').update(text).digest('hex');
const at = { file: 'mutants/catalogue.yaml', line: 7, col: 9 };
const place = (key: string) => ({ at, key });

async function unpack(deb: string): Promise<string> {
  const dir = path.join(await tempDir(), 'x');
  await execa('dpkg-deb', ['-R', deb, dir]);
  return dir;
}

test('repack: a file removed, one replaced, one edited; md5sums follow, the rest is as shipped, name and version too', async () => {
  const dir = await tempDir();
  const deb = await smallDeb(dir);
  const out = path.join(dir, 'out');
  await mkdir(out);
  const { deb: repacked, changed } = await repack(deb, [
    { kind: 'remove', path: '/usr/lib/sysctl.d/50-x.conf', place: place('a') },
    { kind: 'edit', path: '/usr/lib/sysctl.d/60-y.conf', replace: 'protected_regular = 1', with: 'protected_regular = 0', place: place('b'), replacePlace: place('b.replace') },
    { kind: 'content', path: '/lib/systemd/system/x.service', content: '[Service]\nExecStart=/bin/false\n', place: place('c') },
    { kind: 'edit', path: '/etc/x.conf', replace: 'a = 1', with: 'a = 2', place: place('d'), replacePlace: place('d.replace') },
    { kind: 'remove', path: '/lib/systemd/system/multi-user.target.wants/x.service', place: place('e') },
  ], out);
  assert.is(path.basename(repacked), path.basename(deb));
  assert.equal(await debIdentity(repacked), { package: 'harness-small', version: '1:2.3-4~deb12u1', architecture: 'all' });
  const x = await unpack(repacked);
  assert.is(await lstat(path.join(x, 'usr/lib/sysctl.d/50-x.conf')).catch(() => 'gone'), 'gone');
  assert.is(await lstat(path.join(x, 'lib/systemd/system/multi-user.target.wants/x.service')).catch(() => 'gone'), 'gone');
  assert.is(await readFile(path.join(x, 'usr/lib/sysctl.d/60-y.conf'), 'utf8'), 'fs.protected_regular = 0\nfs.protected_fifos = 1\n');
  assert.is((await lstat(path.join(x, 'usr/lib/sysctl.d/60-y.conf'))).mode & 0o777, 0o640, 'its mode is kept');
  assert.is(await readFile(path.join(x, 'lib/systemd/system/x.service'), 'utf8'), '[Service]\nExecStart=/bin/false\n');
  assert.is(await readFile(path.join(x, 'etc/x.conf'), 'utf8'), 'a = 2\n');
  assert.is(await readFile(path.join(x, 'DEBIAN/conffiles'), 'utf8'), '/etc/x.conf\n', 'the edited conffile stays one');
  assert.is(await readFile(path.join(x, 'DEBIAN/md5sums'), 'utf8'), [
    `${md5('fs.protected_regular = 0\nfs.protected_fifos = 1\n')}  usr/lib/sysctl.d/60-y.conf\n`,
    `${md5('[Service]\nExecStart=/bin/false\n')}  lib/systemd/system/x.service\n`,
  ].join(''));
  assert.equal(changed.map((c) => `${c.path} ${c.change}`), [
    '/usr/lib/sysctl.d/50-x.conf removed', '/usr/lib/sysctl.d/60-y.conf edited', '/lib/systemd/system/x.service replaced',
    '/etc/x.conf edited', '/lib/systemd/system/multi-user.target.wants/x.service removed',
  ]);
  assert.is(changed[1].md5After, md5('fs.protected_regular = 0\nfs.protected_fifos = 1\n'));
});

test('repack: what does not apply is an error at its place in the catalogue, naming package and version', async () => {
  const dir = await tempDir();
  const deb = await smallDeb(dir);
  const fails = async (change: Parameters<typeof repack>[1][number]) => {
    try {
      await repack(deb, [change], dir);
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };
  const edit = (replace: string) => ({ kind: 'edit' as const, path: '/usr/lib/sysctl.d/60-y.conf', replace, with: 'z', place: place('k'), replacePlace: place('k.replace') });
  assert.is(await fails(edit('protected_')), "mutants/catalogue.yaml:7:9: k.replace: found 2 times in harness-small 1:2.3-4~deb12u1's /usr/lib/sysctl.d/60-y.conf, not once; make it longer, so it names one place");
  assert.is(await fails(edit('kernel.kexec')), "mutants/catalogue.yaml:7:9: k.replace: found 0 times in harness-small 1:2.3-4~deb12u1's /usr/lib/sysctl.d/60-y.conf, not once; the package may have moved on: look at the file as this version ships it");
  assert.is(await fails({ kind: 'remove', path: '/lib/sysctl.d/50-x.conf', place: place('f') }), 'mutants/catalogue.yaml:7:9: f: harness-small 1:2.3-4~deb12u1 ships no /lib/sysctl.d/50-x.conf (it ships /usr/lib/sysctl.d/50-x.conf)');
  assert.is(await fails({ kind: 'remove', path: '/etc/x.conf', place: place('g') }), 'mutants/catalogue.yaml:7:9: g: /etc/x.conf is a conffile of harness-small 1:2.3-4~deb12u1: dpkg keeps a conffile the package stops shipping, so removing it changes nothing; edit it instead');
  assert.is(await fails({ kind: 'content', path: '/usr/lib/sysctl.d', content: '', place: place('h') }), 'mutants/catalogue.yaml:7:9: h: harness-small 1:2.3-4~deb12u1 ships /usr/lib/sysctl.d as a folder: name the files in it');
  assert.is(await fails({ kind: 'content', path: '/etc/x.conf', content: 'a = 1\n', place: place('i') }), "mutants/catalogue.yaml:7:9: i: harness-small 1:2.3-4~deb12u1's /etc/x.conf already holds that: the change changes nothing");
  assert.is(await fails({ kind: 'content', path: '/lib/systemd/system/multi-user.target.wants/x.service', content: 'x', place: place('j') }), 'mutants/catalogue.yaml:7:9: j: harness-small 1:2.3-4~deb12u1 ships /lib/systemd/system/multi-user.target.wants/x.service as a symbolic link: only remove: applies to it');
});

test('the shipped package mutants: six or more, each on a base image, named uniquely with the rest of the catalogue', async () => {
  const catalogue = await loadCatalogue(path.join(REPO_ROOT, 'mutants/catalogue.yaml'));
  assert.ok(catalogue.packages.length >= 6, `${catalogue.packages.length} package mutants`);
  for (const m of catalogue.packages) assert.ok(m.first.length > 0, `${m.name} names where it should show first`);
  assert.is(mutantImageName(catalogue.packages[0]), `debian-bookworm~${catalogue.packages[0].name}`);
});

test('the image is rebuilt when the entry, the recorded version or the base changes, not otherwise', async () => {
  const [m] = (await loadCatalogue(path.join(REPO_ROOT, 'mutants/catalogue.yaml'))).packages;
  const base = { recipeHash: 'r1', builtAt: '2026-12-07T18:41:24Z' };
  const h = mutantHash(m, '252.39-1~deb12u2', base);
  assert.is(mutantHash({ ...m, description: 'reworded', first: [] }, '252.39-1~deb12u2', base), h, 'words and order of scenarios are not the image');
  assert.is.not(mutantHash(m, '252.40-1', base), h);
  assert.is.not(mutantHash(m, '252.39-1~deb12u2', { ...base, builtAt: '2026-12-08T00:00:00Z' }), h, 'a rebuilt base');
  assert.is.not(mutantHash({ ...m, files: [{ ...m.files[0], path: '/usr/lib/sysctl.d/other.conf' }] }, '252.39-1~deb12u2', base), h);
});

test('a package mutant runs its base\'s scenarios but those adding packages:, and reads the baseline of a several-image scenario by its plain name', () => {
  const s = (name: string, extra = '') => loadScenarioText(`name: ${name}\nimage: [debian-bookworm, debian-trixie]\n${extra}steps:\n  - run: "true"\n`, `${name}.yaml`);
  const plain = s('plain');
  const apparmor = s('apparmor', 'packages: [apparmor]\n');
  const trixie = loadScenarioText('name: t\nimage: debian-trixie\nsteps:\n  - run: "true"\n', 't.yaml');
  const m = { name: 'm', image: 'debian-bookworm', package: 'udev', files: [], first: [], at };
  const { run, left } = scenariosFor(m, [plain, apparmor, trixie]);
  assert.equal(run.map((x) => x.name), ['plain']);
  assert.equal(left.map((x) => x.name), ['apparmor']);
  const view = baselineOn('debian-bookworm', new Map([[stepKey('plain [debian-bookworm]', 'plain.yaml:4:5'), 'passed'], [stepKey('plain [debian-trixie]', 'plain.yaml:4:5'), 'failed']]));
  assert.is(view.get(stepKey('plain', 'plain.yaml:4:5')), 'passed', "the base image's outcome, not another image's");
});

test('the table and the report give a package mutant\'s build and run time apart', () => {
  const v = { name: 'tty-world-writable', side: 'package' as const, outcome: 'caught' as const, by: 'boot › tty (b.yaml:9:5), confirmed (it passed unmutated)', durationMs: 412_000, buildMs: 190_000 };
  assert.match(renderTable([v]), /package +tty-world-writable +caught +412 s \(build 190 s, run 222 s\) +boot › tty/);
  const [suite] = verdictResults([v], 'mutants/catalogue.yaml');
  assert.is(suite.info.name, 'mutants (package-side)');
  assert.match(suite.steps[0].output ?? '', /image: 190 s to build \(or find built\); run: 222 s/);
});

test('harness cache counts a package mutant\'s image among the images it built, and clears it', async () => {
  const dir = await tempDir();
  const image = async (name: string, meta: object) => {
    await mkdir(path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, 'image.json'), JSON.stringify(meta));
  };
  await image('debian-bookworm', { base: '' });
  await image('debian-bookworm~tty-world-writable', { base: 'debian-bookworm', debs: '/x', mutant: { name: 'tty-world-writable', package: 'udev' } });
  await image('bookworm-candidate', { base: 'debian-bookworm', debs: '/y' });
  assert.equal(await derivedImages(dir), [{ name: 'debian-bookworm~tty-world-writable', added: 'debian-bookworm with package mutant tty-world-writable (udev)' }]);
});

test.run();
