// `packages:` on real builds and guests: a package the release lacks stops the run before
// any guest boots, in apt's words; the shipped AppArmor scenario passes on its derived image,
// and a second run builds nothing.
import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { leftovers, REPO_ROOT, runHarness, scenarioFile, validateJUnit } from '../support/harness.js';

const APPARMOR = path.join(REPO_ROOT, 'scenarios/hardening/apparmor.yaml');

test('a package the release does not have: exit 2 before any guest boots, apt\'s words naming it, in the report too', async () => {
  const file = await scenarioFile(`name: packages, one that does not exist
image: debian-bookworm
packages: [acl, nosuchpackage-harness-test]
steps:
  - run: "true"
`);
  const run = await runHarness(['run', file], { timeoutMs: 600_000 });
  assert.is(run.exitCode, 2, run.stdout + run.stderr);
  const said = run.stdout + run.stderr;
  assert.match(said, /image debian-bookworm\+acl\+nosuchpackage-harness-test \(debian-bookworm with acl, nosuchpackage-harness-test\) could not be built, so nothing was booted/);
  assert.match(said, /E: Unable to locate package nosuchpackage-harness-test/);
  assert.not.match(said, /accelerator:/, 'no guest was started');
  assert.match(await readFile(run.junit, 'utf8'), /Unable to locate package nosuchpackage-harness-test/);
  assert.ok((await validateJUnit(run.junit)).ok);
  assert.equal(await leftovers(run), []);
});

test('the shipped AppArmor scenario passes on its derived image, and a second run builds nothing', async () => {
  const first = await runHarness(['run', APPARMOR, '--image', 'debian-bookworm'], { timeoutMs: 900_000 });
  assert.is(first.exitCode, 0, first.stdout + first.stderr);
  const second = await runHarness(['run', APPARMOR, '--image', 'debian-bookworm'], { timeoutMs: 600_000 });
  assert.is(second.exitCode, 0, second.stdout + second.stderr);
  assert.not.match(second.stdout + second.stderr, /building image/, 'the derived image was built already');
  const junit = await readFile(second.junit, 'utf8');
  assert.match(junit, /<property name="image" value="debian-bookworm"\/>/, "the image under test, as compare reads it");
  assert.match(junit, /<property name="image.booted" value="debian-bookworm\+apparmor"\/>/);
  assert.match(junit, /<property name="package\.apparmor" value="[^"n][^"]*"\/>/, 'the added package\'s version is a property');
});

test.run();
