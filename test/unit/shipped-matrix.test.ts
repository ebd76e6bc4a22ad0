// The shipped suite's matrix rule: `make check` runs the `matrix`-tagged scenarios on every
// image but the default, so a scenario written for several images that lacks the tag is
// never run on the others (forky's OpenSSH moved under the untagged SSH scenario unseen).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadScenarios } from '../../harness/load/load.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

test('every shipped scenario that names more than one image is tagged matrix', async () => {
  const { scenarios, errors } = await loadScenarios([path.join(REPO, 'scenarios')], {});
  assert.equal(errors.map((e) => e.message), []);
  const several = scenarios.filter((s) => s.images.length > 1);
  assert.ok(several.length > 0, 'the suite has scenarios for several images');
  const untagged = several.filter((s) => !s.tags.includes('matrix')).map((s) => `${path.relative(REPO, s.file)} (${s.images.join(', ')})`);
  assert.equal(untagged, [], `add \`matrix\` to their tags: ${untagged.join('; ')}`);
});

test.run();
