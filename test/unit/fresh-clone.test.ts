// What a fresh clone's `make test` meets: only some images built. An image images.list names
// is known whether or not it is built; a run that needs one not built stops before booting
// and names the command that builds it; `harness list --images` says which images to build.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { REPO_ROOT, runHarness, scenarioFile, tempDir, validateJUnit } from '../support/harness.js';

/** An images folder that holds debian-bookworm's image.json alone, as on a fresh clone after `make image`. */
async function bookwormOnly(): Promise<string> {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'debian-bookworm'));
  await writeFile(path.join(dir, 'debian-bookworm', 'image.json'), '{}');
  return dir;
}

const harness = (args: string[], images: string) =>
  execa('node', [path.join(REPO_ROOT, 'bin/harness.js'), ...args], { reject: false, cwd: REPO_ROOT, env: { HARNESS_IMAGES: images, NO_COLOR: '1' } });

const ON_TRIXIE = `name: needs trixie
image: [debian-bookworm, debian-trixie]
steps:
  - run: "true"
`;

test('validate: the shipped scenarios are valid with only debian-bookworm built', async () => {
  const result = await harness(['validate', 'scenarios'], await bookwormOnly());
  assert.is(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /scenario\(s\) valid/);
});

test('validate: a name that no recipe and no built folder has is still an unknown image', async () => {
  const file = await scenarioFile('name: nowhere\nimage: debian-sid\nsteps:\n  - run: "true"\n');
  const result = await harness(['validate', file], await bookwormOnly());
  assert.is(result.exitCode, 2);
  assert.match(result.stderr, /image: unknown image debian-sid; known: debian-bookworm, debian-bookworm-backports, debian-forky, debian-trixie/);
});

test('list --images: the images the scenarios name, one a line, whatever is built', async () => {
  const file = await scenarioFile(ON_TRIXIE);
  const result = await harness(['list', file, '--images'], await bookwormOnly());
  assert.is(result.exitCode, 0, result.stderr);
  assert.is(result.stdout, 'debian-bookworm\ndebian-trixie');
  const shipped = await harness(['list', 'scenarios', '--images'], await bookwormOnly());
  assert.ok(shipped.stdout.split('\n').includes('debian-trixie'), shipped.stdout);
  const overridden = await harness(['list', file, '--images', '--image', 'debian-forky'], await bookwormOnly());
  assert.is(overridden.stdout, 'debian-forky', 'with --image, the images given are the ones needed');
});

test('run: an image images.list names but nobody built stops the run before booting, naming the command that builds it', async () => {
  const file = await scenarioFile(ON_TRIXIE);
  const run = await runHarness(['run', file], { env: { HARNESS_IMAGES: await bookwormOnly() }, timeoutMs: 60_000 });
  assert.is(run.exitCode, 2, run.stderr);
  assert.match(run.stderr, /image debian-trixie is not built: build it with `images\/build-if-needed\.sh debian-trixie` \(or `make images`\)/);
  assert.not.match(run.stderr, /unknown image/);
  const junit = await readFile(run.junit, 'utf8');
  assert.match(junit, /debian-trixie is not built/);
  assert.ok((await validateJUnit(run.junit)).ok);
});

test('run: a guest whose packages: derive from an image not built stops before building anything', async () => {
  const file = await scenarioFile('name: packages on trixie\nimage: debian-trixie\npackages: [apparmor]\nsteps:\n  - run: "true"\n');
  const run = await runHarness(['run', file], { env: { HARNESS_IMAGES: await bookwormOnly() }, timeoutMs: 60_000 });
  assert.is(run.exitCode, 2, run.stderr);
  assert.match(run.stderr, /image debian-trixie is not built: build it with `images\/build-if-needed\.sh debian-trixie`/);
  assert.not.match(run.stdout + run.stderr, /debian-trixie\+apparmor/, 'no derived image was started');
});

test.run();
