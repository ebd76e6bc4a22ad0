// images/build-if-needed.sh's reading of images.list, without building anything:
// DRY_RUN=1 prints the settings build.sh would get.
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT, tempDir } from '../support/harness.js';

interface Plan {
  status: number;
  settings: Record<string, string>;
  stderr: string;
}

function plan(images: string, name: string, env: Record<string, string> = {}): Plan {
  const result = spawnSync(path.join(images, 'build-if-needed.sh'), [name], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HARNESS_IMAGES: '/images', DRY_RUN: '1', ...env },
  });
  const settings = Object.fromEntries(
    result.stdout.split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { status: result.status ?? -1, settings, stderr: result.stderr };
}

/** A copy of images/ whose images.list the test may change. */
async function recipeCopy(): Promise<string> {
  const dir = path.join(await tempDir(), 'images');
  await cp(path.join(REPO_ROOT, 'images'), dir, { recursive: true, filter: (source) => !source.endsWith('/out') });
  return dir;
}

test('a row of images.list: release, systemd suite, apt options and extra packages, into $HARNESS_IMAGES', () => {
  const images = path.join(REPO_ROOT, 'images');
  const trixie = plan(images, 'debian-trixie');
  assert.is(trixie.status, 0, trixie.stderr);
  assert.equal({ ...trixie.settings, RECIPE_HASH: undefined }, {
    RECIPE_HASH: undefined, NAME: 'debian-trixie', OUT: '/images/debian-trixie', RELEASE: 'trixie', SYSTEMD_SUITE: '',
    APT_OPTIONS: '', EXTRA_PACKAGES: 'acl,lastlog2,libpam-lastlog2', CARRY_SUITE: '', BASE: '', DEBS: '', ADDED_PACKAGES: '',
  });
  const backports = plan(images, 'debian-bookworm-backports').settings;
  assert.is(backports.SYSTEMD_SUITE, 'bookworm-backports');
  assert.is(backports.EXTRA_PACKAGES, 'acl');
  const forky = plan(images, 'debian-forky').settings;
  assert.is(forky.APT_OPTIONS, 'Acquire::Check-Valid-Until=false');
  assert.is(forky.EXTRA_PACKAGES, 'acl,lastlog2,libpam-lastlog2,util-linux-extra');
  assert.is(plan(images, 'debian-bookworm').settings.CARRY_SUITE, 'bookworm-backports');
});

test('an unknown image is a usage error naming the known ones', () => {
  const result = plan(path.join(REPO_ROOT, 'images'), 'debian-sid');
  assert.is(result.status, 2);
  assert.match(result.stderr, /no image "debian-sid" in .*images\.list; known: debian-bookworm debian-bookworm-backports debian-trixie debian-forky \(or BASE=IMAGE DEBS=folder for a candidate\)/);
});

test("an image's hash follows its own row and the recipe, not the other rows", async () => {
  const images = await recipeCopy();
  const list = path.join(images, 'debian/images.list');
  const before = plan(images, 'debian-bookworm').settings.RECIPE_HASH;
  await writeFile(list, `${await readFile(list, 'utf8')}debian-sid sid - - acl\n`);
  assert.is(plan(images, 'debian-bookworm').settings.RECIPE_HASH, before, 'a new row rebuilt another image');
  assert.is(plan(images, 'debian-sid').settings.EXTRA_PACKAGES, 'acl');
  await writeFile(list, (await readFile(list, 'utf8')).replace(/^(debian-bookworm\s.*\s)acl(\s+bookworm-backports)$/m, '$1acl,kbd$2'));
  assert.is(plan(images, 'debian-bookworm').settings.EXTRA_PACKAGES, 'acl,kbd');
  assert.is.not(plan(images, 'debian-bookworm').settings.RECIPE_HASH, before, 'its own row changed, the hash did not');
  const sid = plan(images, 'debian-sid').settings.RECIPE_HASH;
  await writeFile(path.join(images, 'debian/customize.sh'), '# changed\n', { flag: 'a' });
  assert.is.not(plan(images, 'debian-sid').settings.RECIPE_HASH, sid, 'the recipe changed, the hash did not');
});

test('a candidate: BASE names the row to build on, DEBS the folder installed over it', async () => {
  const images = await recipeCopy();
  const debs = path.join(await tempDir(), 'debs');
  await mkdir(debs);
  await writeFile(path.join(debs, 'systemd_254.26-1~bpo12+1_amd64.deb'), 'not really a deb');
  const candidate = plan(images, 'bookworm-candidate', { BASE: 'debian-bookworm-backports', DEBS: debs });
  assert.is(candidate.status, 0, candidate.stderr);
  assert.equal({ ...candidate.settings, RECIPE_HASH: undefined }, {
    RECIPE_HASH: undefined, NAME: 'bookworm-candidate', OUT: '/images/bookworm-candidate', RELEASE: 'bookworm',
    SYSTEMD_SUITE: 'bookworm-backports', APT_OPTIONS: '', EXTRA_PACKAGES: 'acl', CARRY_SUITE: '', BASE: 'debian-bookworm-backports', DEBS: debs, ADDED_PACKAGES: '',
  });
  // a relative folder is made absolute: build.sh runs elsewhere
  const relative = spawnSync('sh', ['-c', `cd "${path.dirname(debs)}" && DRY_RUN=1 HARNESS_IMAGES=/images BASE=debian-bookworm DEBS=debs "${images}/build-if-needed.sh" c`], { encoding: 'utf8' });
  assert.match(relative.stdout, new RegExp(`^DEBS=${debs}$`, 'm'));
  // the folder's packages are part of the hash: a changed .deb rebuilds the candidate
  const before = candidate.settings.RECIPE_HASH;
  await writeFile(path.join(debs, 'systemd_254.26-1~bpo12+1_amd64.deb'), 'another build');
  assert.is.not(plan(images, 'bookworm-candidate', { BASE: 'debian-bookworm-backports', DEBS: debs }).settings.RECIPE_HASH, before);
});

test('a scenario\'s packages: BASE\'s row with PACKAGES added to its extra packages, its carried systemd kept, a name of its own', () => {
  const images = path.join(REPO_ROOT, 'images');
  const derived = plan(images, 'debian-bookworm+apparmor', { BASE: 'debian-bookworm', PACKAGES: 'apparmor' });
  assert.is(derived.status, 0, derived.stderr);
  assert.equal({ ...derived.settings, RECIPE_HASH: undefined }, {
    RECIPE_HASH: undefined, NAME: 'debian-bookworm+apparmor', OUT: '/images/debian-bookworm+apparmor', RELEASE: 'bookworm',
    SYSTEMD_SUITE: '', APT_OPTIONS: '', EXTRA_PACKAGES: 'acl,apparmor', CARRY_SUITE: 'bookworm-backports', BASE: 'debian-bookworm', DEBS: '', ADDED_PACKAGES: 'apparmor',
  });
  // the packages are part of the hash: another list is another image
  assert.is.not(plan(images, 'debian-bookworm+apparmor', { BASE: 'debian-bookworm', PACKAGES: 'apparmor,nginx-light' }).settings.RECIPE_HASH, derived.settings.RECIPE_HASH);
});

test('a package mutant: BASE\'s row with DEBS installed over it, but unlike a candidate it keeps the carried systemd; MUTANT is part of the hash', async () => {
  const images = path.join(REPO_ROOT, 'images');
  const debs = path.join(await tempDir(), 'debs');
  await mkdir(debs);
  await writeFile(path.join(debs, 'udev_252.39-1~deb12u2_amd64.deb'), 'not really a deb');
  const mutant = plan(images, 'debian-bookworm~tty-world-writable', { BASE: 'debian-bookworm', DEBS: debs, MUTANT: 'tty-world-writable' });
  assert.is(mutant.status, 0, mutant.stderr);
  assert.is(mutant.settings.CARRY_SUITE, 'bookworm-backports', 'what its base carries');
  assert.is(mutant.settings.DEBS, debs);
  const candidate = plan(images, 'debian-bookworm~tty-world-writable', { BASE: 'debian-bookworm', DEBS: debs });
  assert.is(candidate.settings.CARRY_SUITE, '', 'a candidate carries no other systemd');
  assert.is.not(candidate.settings.RECIPE_HASH, mutant.settings.RECIPE_HASH);
  assert.is.not(plan(images, 'debian-bookworm~tty-world-writable', { BASE: 'debian-bookworm', DEBS: debs, MUTANT: 'other' }).settings.RECIPE_HASH, mutant.settings.RECIPE_HASH);
  const without = plan(images, 'debian-bookworm~x', { BASE: 'debian-bookworm', PACKAGES: 'acl', MUTANT: 'x' });
  assert.is(without.status, 2);
  assert.match(without.stderr, /MUTANT=x needs BASE=IMAGE and DEBS=folder, the base's own package repacked/);
});

test('a candidate spelt wrong is a usage error that says what to write', async () => {
  const images = path.join(REPO_ROOT, 'images');
  const empty = await tempDir();
  const refused = (name: string, env: Record<string, string>): string => {
    const result = plan(images, name, env);
    assert.is(result.status, 2, `accepted: ${JSON.stringify(env)}`);
    assert.is(result.settings.NAME, undefined);
    return result.stderr.trim();
  };
  assert.match(refused('c', { BASE: 'debian-sid', DEBS: empty }), /BASE=debian-sid: no such image in .*images\.list; known: debian-bookworm debian-bookworm-backports debian-trixie debian-forky/);
  assert.match(refused('c', { BASE: 'debian-bookworm' }), /BASE=debian-bookworm needs DEBS=folder, the \.debs to install over it \(or PACKAGES=a,b, packages to add\)/);
  assert.match(refused('c', { DEBS: empty }), /DEBS and PACKAGES need BASE=IMAGE/);
  assert.match(refused('c', { BASE: 'debian-bookworm', DEBS: '/no/such/folder' }), /DEBS=\/no\/such\/folder is not a folder/);
  assert.match(refused('c', { BASE: 'debian-bookworm', DEBS: empty }), /DEBS=.* holds no \.deb file/);
  assert.match(refused('debian-trixie', { BASE: 'debian-bookworm', DEBS: empty }), /NAME=debian-trixie is an image of images\.list; give the candidate a name of its own, e\.g\. bookworm-candidate/);
});

test.run();
