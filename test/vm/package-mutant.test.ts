// A package mutant on a real package: the shipped catalogue's PAM profile mutant, applied to
// libpam-runtime downloaded at the very version debian-bookworm recorded (from the archive,
// as `harness mutants` does it), comes out as the same package and version with the profile
// changed, every other file as shipped, and md5sums that dpkg's own check accepts. (The whole
// path, build and boot included, runs in `make check` as its one package mutant.)
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCatalogue } from '../../harness/mutants/catalogue.js';
import { fetchDeb } from '../../harness/mutants/fetch-deb.js';
import { debIdentity, repack } from '../../harness/mutants/repack.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

const IMAGES = process.env.HARNESS_IMAGES ?? path.join(REPO_ROOT, 'images/out');

test('the PAM profile mutant repacks the real libpam-runtime of debian-bookworm: that file changed, md5sums true, same version', async () => {
  const catalogue = await loadCatalogue(path.join(REPO_ROOT, 'mutants/catalogue.yaml'));
  const mutant = catalogue.packages.find((m) => m.package === 'libpam-runtime' && m.image === 'debian-bookworm');
  assert.ok(mutant, 'the catalogue has a libpam-runtime mutant on debian-bookworm');
  const recorded = JSON.parse(await readFile(path.join(IMAGES, 'debian-bookworm/image.json'), 'utf8')).packages['libpam-runtime'] as string;
  const dir = await tempDir();
  const original = await fetchDeb('libpam-runtime', recorded, { release: 'bookworm', systemdSuite: '', aptOptions: '' }, path.join(dir, 'original'));
  assert.is((await debIdentity(original)).version, recorded);
  const { deb, changed } = await repack(original, mutant!.files, dir);
  assert.equal(await debIdentity(deb), await debIdentity(original), 'the same package, version and architecture');
  assert.equal(changed.map((c) => `${c.path} ${c.change}`), ['/usr/share/pam-configs/unix replaced']);

  const unpack = async (file: string, into: string) => (await execa('dpkg-deb', ['-R', file, path.join(dir, into)]), path.join(dir, into));
  const [before, after] = [await unpack(original, 'before'), await unpack(deb, 'after')];
  const profile = await readFile(path.join(after, 'usr/share/pam-configs/unix'), 'utf8');
  assert.match(profile, /Account-Initial:\n\t\[success=end new_authtok_reqd=done default=end\]\tpam_unix\.so/);
  // every file the package lists checks out against the repacked md5sums, as debsums would
  const check = await execa('md5sum', ['--check', '--quiet', 'DEBIAN/md5sums'], { cwd: after, reject: false, all: true });
  assert.is(check.exitCode, 0, check.all);
  const diff = await execa('diff', ['-r', before, after], { reject: false });
  const differing = diff.stdout.split('\n').filter((l) => /^diff -r /.test(l)).map((l) => l.split(' ').pop()!.slice(after.length + 1));
  assert.equal(differing.sort(), ['DEBIAN/md5sums', 'usr/share/pam-configs/unix']);
});

test.run();
