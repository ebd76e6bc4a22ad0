// Against the real guest: a small suite run whole and as shards 1/2 and 2/2, the shard
// reports merged: the merged report has the same testcases (names, classnames, outcomes)
// as the whole run, and is valid JUnit. The same whole run checks, for real, that the
// github reporter points its annotation at the failing step's own line.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseJUnit } from '../../harness/report/junit-read.js';
import { REPO_ROOT, runHarness, tempDir, validateJUnit } from '../support/harness.js';

/** Tiny scenarios, one step each, so four boots stay cheap; `c` fails on purpose. */
const SCENARIOS: Record<string, string> = {
  'a.yaml': 'name: shard a\nimage: debian-bookworm\ntimeout: 4m\nsteps:\n  - run: "true"\n',
  'b.yaml': 'name: shard b\nimage: debian-bookworm\ntimeout: 4m\nsteps:\n  - file: /etc/os-release\n    expect: {exists: true}\n',
  'c.yaml': 'name: shard c\nimage: debian-bookworm\ntimeout: 4m\nsteps:\n  - name: fails on purpose\n    run: echo 41\n    expect: {stdout: "42"}\n',
};

/** Every testcase as "suite|classname|name|outcome", sorted: what CI would list. */
async function testcases(file: string): Promise<string[]> {
  return parseJUnit(await readFile(file, 'utf8'), file)
    .flatMap((suite) =>
      (suite.children ?? [])
        .filter((c) => c.name === 'testcase')
        .map((tc) => {
          const outcome = (tc.children ?? []).find((c) => ['failure', 'error', 'skipped'].includes(c.name))?.name ?? 'passed';
          return `${suite.attributes?.name}|${tc.attributes?.classname}|${tc.attributes?.name}|${outcome}`;
        }),
    )
    .sort();
}

test('shards 1/2 and 2/2 merged have the same testcases as the whole run', async () => {
  const dir = await tempDir();
  const suite = path.join(dir, 'suite');
  await execa('mkdir', ['-p', suite]);
  for (const [name, text] of Object.entries(SCENARIOS)) await writeFile(path.join(suite, name), text);
  // Relative paths, as in CI: the JUnit classnames and the annotations are relative to the cwd.
  const env = { CI: 'true' };
  const cwd = dir;

  const whole = await runHarness(['run', 'suite', '--workers', '2', '--reporter', 'list,junit,github'], { junit: path.join(dir, 'whole.xml'), env, cwd });
  assert.is(whole.exitCode, 1, whole.stdout + whole.stderr);
  const annotation = whole.stdout.split('\n').filter((l) => l.startsWith('::error'));
  assert.is(annotation.length, 1, whole.stdout);
  assert.match(annotation[0], /^::error file=suite\/c.yaml,line=5,col=5,title=shard c › fails on purpose::.*42/);

  const shards = await Promise.all(
    [1, 2].map((i) => runHarness(['run', 'suite', '--shard', `${i}/2`], { junit: path.join(dir, `shard-${i}.xml`), env, cwd })),
  );
  const merged = path.join(dir, 'all.xml');
  const merge = await execa('node', [path.join(REPO_ROOT, 'bin/harness.js'), 'merge', path.join(dir, 'shard-1.xml'), path.join(dir, 'shard-2.xml'), '-o', merged], { reject: false, cwd });
  assert.is(merge.exitCode, 0, merge.stderr);

  const wholeCases = await testcases(whole.junit);
  assert.is(wholeCases.length, 3);
  assert.equal(await testcases(merged), wholeCases);
  // Both shards ran something: the plan split the suite, it did not put it all in one.
  for (const shard of shards) assert.ok((await testcases(shard.junit)).length > 0, shard.stdout + shard.stderr);
  const lint = await validateJUnit(merged);
  assert.ok(lint.ok, lint.output);
});

test.run();
