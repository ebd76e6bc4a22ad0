// Bad reporter options are usage errors (status 2) that name what is wrong, before
// anything boots: the real CLI, as a user types it.
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { REPO_ROOT, scenarioFile, tempDir, validateJUnit } from '../support/harness.js';

const BIN = path.join(REPO_ROOT, 'bin/harness.js');

async function harness(...args: string[]) {
  return execa('node', [BIN, ...args], { cwd: REPO_ROOT, reject: false, env: { HARNESS_IMAGES: '/nonexistent' } });
}

test('an unknown reporter is named, with the known ones', async () => {
  const result = await harness('run', 'scenarios', '--reporter', 'list,jnuit');
  assert.is(result.exitCode, 2);
  assert.match(result.stderr, /--reporter: unknown reporter "jnuit"( \(did you mean junit\?\))?; known: list, dot, junit, github, markdown/);
});

test('list and dot together are refused: both draw progress on stdout', async () => {
  const result = await harness('run', 'scenarios', '--reporter', 'dot', '--reporter', 'list');
  assert.is(result.exitCode, 2);
  assert.match(result.stderr, /list and dot both write progress to stdout/);
});

test('--markdown without the markdown reporter is refused rather than ignored', async () => {
  const result = await harness('run', 'scenarios', '--markdown', 'summary.md');
  assert.is(result.exitCode, 2);
  assert.match(result.stderr, /--markdown FILE is where the markdown reporter writes; add --reporter markdown/);
});

test('--help lists the commands; run --help lists the reporters', async () => {
  const result = await harness('--help');
  assert.is(result.exitCode, 0);
  assert.match(result.stdout, /merge FILE… -o OUT/);
  assert.match(result.stdout, /mutants \[PATH…\]/);
  const run = await harness('run', '--help');
  assert.is(run.exitCode, 0);
  assert.match(run.stdout, /--reporter NAMES\s+list, dot, junit, github, markdown/);
});

test('each command takes only its own options: another command\'s is refused, not ignored', async () => {
  const validate = await harness('validate', 'scenarios', '--junit', 'x.xml');
  assert.is(validate.exitCode, 2);
  assert.match(validate.stderr, /Unknown option '--junit'/);
  assert.match(validate.stderr, /usage: harness validate \[PATH…\]/);
  const compare = await harness('compare', 'a.xml', 'b.xml', '--workers', '0');
  assert.is(compare.exitCode, 2);
  assert.match(compare.stderr, /Unknown option '--workers'/);
  const help = await harness('list', '--help');
  assert.match(help.stdout, /--json/);
  assert.not.match(help.stdout, /--reporter|--workers|--junit/, 'list --help shows only what list takes');
});

test('--version names the package and its version', async () => {
  const result = await harness('--version');
  assert.is(result.exitCode, 0);
  assert.match(result.stdout, /^confinement-harness \d+\.\d+\.\d+$/);
});

test('scenario files that cannot be loaded: exit 2, and still a valid report whose error names each place', async () => {
  const file = await scenarioFile('name: broken\nimage: debian-bookworm\nsteps:\n  - run: true\n    expect: {exit: zero}\n');
  const junit = path.join(await tempDir(), 'junit.xml');
  const run = await harness('run', file, '--junit', junit);
  assert.is(run.exitCode, 2, run.stderr);
  assert.ok((await validateJUnit(junit)).ok, 'the report validates');
  const xml = await readFile(junit, 'utf8');
  assert.match(xml, /<error message="2 error\(s\) in the scenario files; nothing was run/);
  assert.match(xml, `${file}:4:10: steps[0].run: expected a shell command`);
  assert.match(xml, `${file}:5:20: steps[0].expect.exit: expected a whole number`);
});

test.run();
