import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageNamesFromOption, recipeImageNames } from '../../harness/vm/recipes.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const KNOWN = ['debian-bookworm', 'debian-bookworm-backports', 'debian-forky', 'debian-trixie'];

test('the recipe builds the four Debian images images.list names', async () => {
  assert.equal((await recipeImageNames(REPO)).sort(), KNOWN);
});

test('--image: one name, several, or all; anything else is a usage error naming the known ones', () => {
  assert.equal(imageNamesFromOption('debian-trixie', KNOWN), ['debian-trixie']);
  assert.equal(imageNamesFromOption('debian-bookworm, debian-forky', KNOWN), ['debian-bookworm', 'debian-forky']);
  assert.equal(imageNamesFromOption('all', KNOWN), KNOWN);
  assert.throws(() => imageNamesFromOption('debian-sid', KNOWN), /--image: unknown image "debian-sid"; known: debian-bookworm, debian-bookworm-backports, debian-forky, debian-trixie \(or `all`\)/);
  assert.throws(() => imageNamesFromOption('debian-trixie,', KNOWN), /an empty image name in "debian-trixie,"/);
  assert.throws(() => imageNamesFromOption('debian-trixie,debian-trixie', KNOWN), /debian-trixie is named twice/);
  assert.throws(() => imageNamesFromOption('all', []), /no image recipe/);
});

test.run();
