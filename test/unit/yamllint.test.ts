// Scenarios key steps by `on:`, which YAML 1.1 readers (PyYAML, yamllint's truthy rule by
// default) take for the boolean true. The project's .yamllint.yaml lets `on:` pass as a key
// and still refuses truthy values; the shipped YAML passes it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT, tempDir } from '../support/harness.js';

const CONFIG = path.join(REPO_ROOT, '.yamllint.yaml');
const lint = (args: string[]) => execa('yamllint', ['-f', 'parsable', ...args], { cwd: REPO_ROOT, reject: false });

test('the shipped scenarios, mutants and CI examples pass the project\'s yamllint configuration', async () => {
  const result = await lint(['-c', CONFIG, 'scenarios', 'mutants', 'docs/ci']);
  assert.is(result.exitCode, 0, result.stdout + result.stderr);
});

test('`on:` as a key passes it, where yamllint\'s default truthy rule refuses it; a truthy value is still refused', async () => {
  const dir = await tempDir();
  const withOn = path.join(dir, 'on.yaml');
  await writeFile(withOn, 'name: two guests\nsteps:\n  - on: server\n    run: "true"\n');
  assert.is((await lint(['-c', CONFIG, withOn])).exitCode, 0);
  const byDefault = await lint(['-d', 'default', withOn]);
  assert.match(byDefault.stdout, /truthy value should be one of/, 'the default configuration flags on: (why the project keeps its own)');
  const yes = path.join(dir, 'yes.yaml');
  await writeFile(yes, 'name: a truthy value\nsteps:\n  - file: /etc/hosts\n    expect: {exists: yes}\n');
  const refused = await lint(['-c', CONFIG, yes]);
  assert.is(refused.exitCode, 1);
  assert.match(refused.stdout, /yes\.yaml:4:.*truthy value should be one of \[false, true\]/);
});

test.run();
