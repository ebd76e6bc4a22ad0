// `npm pack` gives a package a user can install and run: the `harness` bin, the compiled
// harness, the scenario schema, the docs and the JUnit schema, and none of the tests.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT, tempDir } from '../support/harness.js';

let tarball = '';
let files: string[] = [];

test('npm pack holds the bin, the compiled harness, the schemas and the docs, and no tests', async () => {
  const dir = await tempDir('harness-pack-');
  // dist/ is built already (make check builds first); prepack would only build it again.
  const { stdout } = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT });
  const [pack] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(dir, pack.filename);
  files = pack.files.map((f) => f.path);
  for (const needed of ['bin/harness.js', 'dist/harness/cli.js', 'dist/harness/closed-pipe.js', 'schema/scenario.schema.json', 'docs/scenarios.md', 'docs/ci/github-actions.yml', 'vendor/junit/junit-10.xsd', 'vendor/junit/README.md', 'README.md', 'images/debian/build.sh']) {
    assert.ok(files.includes(needed), `${needed} is missing from the package`);
  }
  const unwanted = files.filter((f) => /^(test|dist\/test|dist\/bench|node_modules|images\/out|reports)\//.test(f) || f.endsWith('.ts'));
  assert.equal(unwanted, []);
});

test('installed from the tarball, `harness` runs: --help, validate, list, and the schema is there', async () => {
  const app = await tempDir('harness-app-');
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  // --ignore-scripts: only ssh2's optional native speed-up has an install script; building
  // it would triple this test's time and prove nothing about the package.
  await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball], { cwd: app, timeout: 240_000 });
  const bin = path.join(app, 'node_modules/.bin/harness');
  const help = await execa(bin, ['--help'], { cwd: app });
  assert.match(help.stdout, /usage: harness <command>/);
  const scenario = path.join(app, 'probe.yaml');
  await writeFile(scenario, '# yaml-language-server: $schema=node_modules/confinement-harness/schema/scenario.schema.json\nname: from the package\nimage: debian-bookworm\nsteps:\n  - run: "true"\n');
  const validate = await execa(bin, ['validate', scenario], { cwd: app, reject: false });
  assert.is(validate.exitCode, 0, validate.stderr);
  assert.match(validate.stdout, /1 scenario\(s\) valid/);
  const list = await execa(bin, ['list', scenario, '--json'], { cwd: app });
  assert.is(JSON.parse(list.stdout)[0].name, 'from the package');
  // Installed, it looks for images in the project's images/out, not inside node_modules.
  await mkdir(path.join(app, 'images/out/my-image'), { recursive: true });
  await writeFile(path.join(app, 'images/out/my-image/image.json'), '{}');
  const { HARNESS_IMAGES: _ignored, ...env } = process.env;
  const elsewhere = path.join(app, 'elsewhere.yaml');
  await writeFile(elsewhere, 'name: on no image\nimage: no-such-image\nsteps:\n  - run: "true"\n');
  const unknown = await execa(bin, ['validate', elsewhere], { cwd: app, reject: false, env, extendEnv: false });
  assert.is(unknown.exitCode, 2);
  // known: what the package's recipes build (built or not) and what the project's folder holds
  assert.match(unknown.stderr, /unknown image no-such-image; known: debian-bookworm, debian-bookworm-backports, debian-forky, debian-trixie, my-image/);
  const schema = JSON.parse(await readFile(path.join(app, 'node_modules/confinement-harness/schema/scenario.schema.json'), 'utf8'));
  assert.is(schema.title, 'confinement-harness scenario');
  assert.ok(existsSync(path.join(app, 'node_modules/confinement-harness/docs/scenarios.md')));
  // Test-only packages stay out of a user's install.
  assert.not.ok(existsSync(path.join(app, 'node_modules/uvu')), 'uvu was installed with the package');
});

test.run();
