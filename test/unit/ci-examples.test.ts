// The CI examples users copy: the GitHub workflow is linted with action-validator (the
// schema GitHub's own workflow files follow), both are shown in the README verbatim,
// and their harness command lines use options the CLI has.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT, tempDir } from '../support/harness.js';

const GITHUB = path.join(REPO_ROOT, 'docs/ci/github-actions.yml');
const GITLAB = path.join(REPO_ROOT, 'docs/ci/gitlab-ci.yml');
const NIGHTLY = path.join(REPO_ROOT, 'docs/ci/nightly-upgrade.yml');
const VALIDATOR = path.join(REPO_ROOT, 'node_modules/.bin/action-validator');

async function lint(file: string) {
  return execa(VALIDATOR, [file], { reject: false });
}

test('the GitHub workflow example passes action-validator', async () => {
  const result = await lint(GITHUB);
  assert.is(result.exitCode, 0, result.stdout + result.stderr);
});

test('the nightly upgrade workflow passes action-validator', async () => {
  const result = await lint(NIGHTLY);
  assert.is(result.exitCode, 0, result.stdout + result.stderr);
});

test('the nightly workflow: on a schedule, the images and baselines cached, outdated → refresh → test on matrix, its exit status kept', () => {
  const workflow = parse(readFileSync(NIGHTLY, 'utf8'));
  assert.ok(Array.isArray(workflow.on.schedule) && /^[\d*/ ,-]+$/.test(workflow.on.schedule[0].cron), 'a schedule: trigger');
  const steps: Array<{ uses?: string; run?: string; with?: Record<string, string> }> = workflow.jobs.upgrade.steps;
  const runs = steps.map((s) => s.run ?? '').join('\n');
  const order = ['images outdated "$IMAGE"', 'images refresh "$IMAGE" --keep', 'images test "$IMAGE" --grep matrix'].map((cmd) => runs.indexOf(cmd));
  assert.ok(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1])), `outdated, refresh, test in that order: ${order}`);
  const caches = steps.filter((s) => s.uses?.startsWith('actions/cache/'));
  assert.equal(caches.map((s) => [s.uses, s.with?.path]), [['actions/cache/restore@v4', 'images/out'], ['actions/cache/save@v4', 'images/out']]);
  assert.match(runs, /1\) echo "moved=true"/, 'outdated\'s exit 1 means moved, not a failed job');
});

test('action-validator does catch a broken workflow (the lint can fail)', async () => {
  const dir = await tempDir('harness-ci-');
  const broken = path.join(dir, 'broken.yml');
  await writeFile(broken, readFileSync(GITHUB, 'utf8').replace('runs-on: ubuntu-24.04', 'runs_on: ubuntu-24.04'));
  const result = await lint(broken);
  assert.is.not(result.exitCode, 0);
  assert.match(result.stdout + result.stderr, /runs_on/);
});

test('the README shows the examples verbatim', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  for (const file of [GITHUB, GITLAB, NIGHTLY]) {
    assert.ok(readme.includes(readFileSync(file, 'utf8').trimEnd()), `README.md must include ${path.relative(REPO_ROOT, file)} as it is`);
  }
});

test('the GitLab example: 4 parallel shards, JUnit reports, a merge job after them', () => {
  const ci = parse(readFileSync(GITLAB, 'utf8'));
  assert.is(ci.scenarios.parallel, 4);
  assert.ok(ci.scenarios.script.some((l: string) => l.includes('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"')));
  assert.equal(ci.scenarios.artifacts.reports.junit, 'reports/junit-*.xml');
  assert.equal(ci.merge.needs, ['scenarios']);
  assert.ok(ci.merge.script.some((l: string) => l.startsWith('node bin/harness.js merge reports/junit-*.xml -o reports/junit.xml')));
});

test('every harness option the examples use is one the CLI knows', async () => {
  const help = async (command: string) => (await execa('node', [path.join(REPO_ROOT, 'bin/harness.js'), command, '--help'])).stdout;
  const stdout = (await help('run')) + (await help('merge')) + (await help('images'));
  const used = new Set<string>();
  for (const file of [GITHUB, GITLAB, NIGHTLY]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:^|\s)(--[a-z][a-z-]+)/g)) used.add(m[1]);
  }
  // Options of other programs in the examples.
  for (const other of ['--reload-rules', '--name-match', '--noout', '--schema']) used.delete(other);
  for (const option of ['--keep', '--out']) assert.ok(used.has(option), `the nightly example uses ${option}`);
  assert.ok(used.size >= 5, [...used].join(' '));
  for (const option of used) assert.ok(stdout.includes(option), `${option} is not in harness run --help, merge --help or images --help`);
});

test.run();
