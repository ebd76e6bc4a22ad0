// `upgrade:` where it cannot do what it was asked, on real guests: a package the candidate
// does not carry and an image that carries none are errors that say so, and an apt that
// refuses (a held package, as an admin may have left it) is a failure that says so.
// Each ends the scenario there: no step after it runs against an upgrade that did not happen.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readReportFile } from '../../harness/compare/read-junit.js';
import { leftovers, runHarness, tempDir, validateJUnit } from '../support/harness.js';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

const scenario = (name: string, image: string, before: string, packages: string) => `
name: ${name}
image: ${image}
timeout: 10m
steps:
${before}  - upgrade: [${packages}]
  - name: after
    run: "true"
`;

test('an upgrade that cannot happen is an error or a failure that says why, and the steps after it are skipped', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'a-unknown.yaml'), scenario('a package the candidate lacks', 'debian-bookworm', '', 'systemd, no-such-package'));
  await writeFile(path.join(dir, 'b-held.yaml'), scenario('apt refuses a held package', 'debian-bookworm', '  - run: apt-mark hold systemd\n', 'systemd'));
  await writeFile(path.join(dir, 'c-none.yaml'), scenario('an image that carries nothing', 'debian-trixie', '', 'systemd'));
  const run = await runHarness(['run', dir], { timeoutMs: 15 * 60_000 });
  assert.is(run.exitCode, 1, 'a failure outranks the errors: ' + run.stdout + run.stderr);
  assert.ok((await validateJUnit(run.junit)).ok);
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive the run');
  const [unknown, held, none] = await readReportFile(run.junit);
  const last = (suite: typeof unknown) => suite.steps.slice(-2).map((s) => s.outcome);

  assert.equal(last(unknown), ['error', 'skipped'], run.stdout);
  assert.match(unknown.steps[0].message ?? '', /the candidate debian-bookworm carries \(bookworm-backports\) has no no-such-package; it carries: .*systemd/);

  assert.equal(last(held), ['failed', 'skipped'], run.stdout);
  assert.match(held.steps[1].message ?? '', /apt-get exited 100; systemd: expected the candidate's \S+, installed nothing/);

  assert.equal(last(none), ['error', 'skipped'], run.stdout);
  assert.match(none.steps[0].message ?? '', /image debian-trixie carries no candidate to upgrade to/);
});

test.run();
