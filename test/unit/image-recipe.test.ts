// images/build-if-needed.sh's reading of images.list, without building anything:
// DRY_RUN=1 prints the settings build.sh would get.
import { spawnSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
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
    APT_OPTIONS: '', EXTRA_PACKAGES: 'acl,lastlog2,libpam-lastlog2',
  });
  const backports = plan(images, 'debian-bookworm-backports').settings;
  assert.is(backports.SYSTEMD_SUITE, 'bookworm-backports');
  assert.is(backports.EXTRA_PACKAGES, 'acl');
  assert.is(plan(images, 'debian-forky').settings.APT_OPTIONS, 'Acquire::Check-Valid-Until=false');
});

test('an unknown image is a usage error naming the known ones', () => {
  const result = plan(path.join(REPO_ROOT, 'images'), 'debian-sid');
  assert.is(result.status, 2);
  assert.match(result.stderr, /no image "debian-sid" in .*images\.list; known: debian-bookworm debian-bookworm-backports debian-trixie debian-forky/);
});

test("an image's hash follows its own row and the recipe, not the other rows", async () => {
  const images = await recipeCopy();
  const list = path.join(images, 'debian/images.list');
  const before = plan(images, 'debian-bookworm').settings.RECIPE_HASH;
  await writeFile(list, `${await readFile(list, 'utf8')}debian-sid sid - - acl\n`);
  assert.is(plan(images, 'debian-bookworm').settings.RECIPE_HASH, before, 'a new row rebuilt another image');
  assert.is(plan(images, 'debian-sid').settings.EXTRA_PACKAGES, 'acl');
  await writeFile(list, (await readFile(list, 'utf8')).replace(/^(debian-bookworm\s.*\s)acl$/m, '$1acl,kbd'));
  assert.is(plan(images, 'debian-bookworm').settings.EXTRA_PACKAGES, 'acl,kbd');
  assert.is.not(plan(images, 'debian-bookworm').settings.RECIPE_HASH, before, 'its own row changed, the hash did not');
  const sid = plan(images, 'debian-sid').settings.RECIPE_HASH;
  await writeFile(path.join(images, 'debian/customize.sh'), '# changed\n', { flag: 'a' });
  assert.is.not(plan(images, 'debian-sid').settings.RECIPE_HASH, sid, 'the recipe changed, the hash did not');
});

test.run();
