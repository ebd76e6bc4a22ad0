// Every file in test/fixtures/invalid/ is a broken scenario whose first line says where
// the loader must point: `# expect: LINE:COL`; a second line `# message: …` may pin the
// first error's whole text after FILE:LINE:COL.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ScenarioError, ScenarioErrors } from '../../harness/scenario/errors.js';
import { loadScenarioFile } from '../../harness/load/load.js';

// Compiled to dist/test/unit/, the fixtures stay in the source tree.
const CORPUS = fileURLToPath(new URL('../../../test/fixtures/invalid/', import.meta.url));
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();

test('the corpus holds at least 20 invalid scenarios', () => {
  assert.ok(files.length >= 20, `${files.length} files in ${CORPUS}`);
});

for (const name of files) {
  test(`${name} is refused at the place its first line names`, async () => {
    const file = path.join(CORPUS, name);
    const [firstLine, secondLine = ''] = readFileSync(file, 'utf8').split('\n');
    const header = /^# expect: (\d+):(\d+)\s*$/m.exec(firstLine);
    const message = /^# message: (.*)$/.exec(secondLine)?.[1];
    assert.ok(header, `${name} must start with "# expect: LINE:COL"`);
    const [line, col] = [Number(header![1]), Number(header![2])];
    let errors: ScenarioError[] = [];
    try {
      await loadScenarioFile(file, {});
    } catch (err) {
      assert.instance(err, ScenarioErrors, `${name}: ${String(err)}`);
      errors = (err as ScenarioErrors).errors;
    }
    assert.ok(errors.length > 0, `${name} loaded without errors`);
    for (const error of errors) {
      assert.instance(error, ScenarioError);
      assert.is(error.file, file);
      assert.ok(error.message.startsWith(`${file}:${error.line}:${error.col}: `), error.message);
    }
    const first = errors[0];
    assert.is(`${first.line}:${first.col}`, `${line}:${col}`, `first error of ${name}: ${first.message}`);
    if (message !== undefined) assert.is(first.message.slice(`${file}:${line}:${col}: `.length), message);
  });
}

test.run();
