// A failed suite's evidence folder (reports/artifacts/NAME/): one per suite, whatever the
// length of its name, so one image's serial log never overwrites another's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { artifactsFolderName } from '../../harness/runner/bundle.js';

const LONG = 'a rather long scenario name that goes on well past sixty three characters in all';

test('a short suite name is its folder, as a file name', () => {
  assert.is(artifactsFolderName('smoke, guest basics [debian-trixie]'), 'smoke_guest_basics_debian-trixie');
  assert.is(artifactsFolderName('///'), 'scenario');
});

test('a long name on two images gives two folders, each at most 80 characters and naming its image', () => {
  const bookworm = artifactsFolderName(`${LONG} [debian-bookworm]`);
  const trixie = artifactsFolderName(`${LONG} [debian-trixie]`);
  assert.is.not(bookworm, trixie);
  assert.ok(bookworm.length <= 80 && trixie.length <= 80, `${bookworm} / ${trixie}`);
  assert.ok(bookworm.endsWith('debian-bookworm'), bookworm);
  assert.ok(trixie.endsWith('debian-trixie'), trixie);
  assert.ok(bookworm.startsWith('a_rather_long_scenario_name'), bookworm);
});

test('two long names alike in their first 80 characters still differ', () => {
  const stem = 'x'.repeat(90);
  assert.is.not(artifactsFolderName(`${stem} one`), artifactsFolderName(`${stem} two`));
});

test.run();
