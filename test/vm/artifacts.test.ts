// A failed scenario's evidence on two images: each image's serial log, journal and saved
// guest in a folder of its own, however long the scenario's name (it was cut at 80
// characters, the ` [image]` with it, so the second image's files overwrote the first's and
// --save-failure removed the other image's bundle).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { leftovers, runHarness, scenarioFile, tempDir, validateJUnit } from '../support/harness.js';

const NAME = 'a rather long scenario name that goes on well past sixty three characters in all';

test('a long-named scenario failing on bookworm and trixie keeps two bundles of evidence, each its own image', async () => {
  const file = await scenarioFile(`
name: ${NAME}
image: [debian-bookworm, debian-trixie]
timeout: 5m
steps:
  - name: say which release this is, then fail
    run: logger -t artifacts-test "release $(. /etc/os-release; echo $VERSION_CODENAME)"; false
`);
  const reports = await tempDir();
  const junit = path.join(reports, 'junit.xml');
  const run = await runHarness(['run', file, '--save-failure', '--workers', '1'], { junit, timeoutMs: 600_000 });
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  const xml = await readFile(junit, 'utf8');
  assert.ok((await validateJUnit(junit)).ok);
  for (const release of ['bookworm', 'trixie']) {
    const suite = new RegExp(`<testsuite name="${NAME} \\[debian-${release}\\]"[\\s\\S]*?</testsuite>`).exec(xml)?.[0] ?? '';
    const journal = /\[\[ATTACHMENT\|([^\]]*journal\.txt)\]\]/.exec(suite)?.[1];
    assert.ok(journal, `the ${release} suite attaches its journal: ${suite.slice(0, 400)}`);
    const folder = path.dirname(path.resolve(reports, journal!));
    assert.ok(path.basename(folder).length <= 80, folder);
    assert.match(await readFile(path.join(folder, 'journal.txt'), 'utf8'), `artifacts-test[`, `${release}'s journal`);
    assert.match(await readFile(path.join(folder, 'journal.txt'), 'utf8'), `release ${release}`, `${release}'s journal is ${release}'s`);
    assert.ok(existsSync(path.join(folder, 'serial.log')), `${release}'s serial log`);
    const bundle = JSON.parse(await readFile(path.join(folder, 'guest', 'bundle.json'), 'utf8')) as { image: string };
    assert.is(bundle.image, `debian-${release}`, `${release}'s saved guest is its own`);
  }
  assert.equal(await leftovers(run), []);
});

test.run();
