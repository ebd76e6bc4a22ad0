// `harness images outdated`: the pure parts (apt-cache policy read, what moved, the image's
// apt source) and the command against Debian's real archive: an image.json recording an
// older systemd than the archive has must be reported as moved (so the command cannot pass
// while checking nothing), the archive's own version must not, and an unreachable mirror
// must fail with exit 3 and words that say so.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { optionFlags, parsePolicy, preferences, sourcesList } from '../../harness/archive/apt.js';
import { aptSourceOf, parseImagesList, type ImageRecord } from '../../harness/archive/image-record.js';
import { describeMoved, movedPackages, packagesToAsk } from '../../harness/archive/outdated.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

// `apt-cache policy systemd nosuchpkg acl` with bookworm and bookworm-backports and build.sh's
// systemd pin (recorded 2026-12-07 against deb.debian.org): an unknown package has no block.
const POLICY = `systemd:
  Installed: (none)
  Candidate: 254.26-1~bpo12+1
  Version table:
     254.26-1~bpo12+1 990
        100 http://deb.debian.org/debian bookworm-backports/main amd64 Packages
     252.39-1~deb12u2 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
acl:
  Installed: (none)
  Candidate: 2.3.1-3
  Version table:
     2.3.1-3 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
`;

test('apt-cache policy: each candidate, null for a package apt does not know', () => {
  const found = parsePolicy(POLICY, ['systemd', 'nosuchpkg', 'acl']);
  assert.equal([...found], [['systemd', '254.26-1~bpo12+1'], ['nosuchpkg', null], ['acl', '2.3.1-3']]);
  assert.equal([...parsePolicy('login:\n  Installed: (none)\n  Candidate: (none)\n', ['login'])], [['login', null]]);
});

test('what moved: systemd first, folder packages and uninstalled ones not asked, equal versions (by dpkg) not moved', () => {
  const packages = { acl: '2.3.1-3', systemd: '252.39-1~deb12u2', lastlog2: null, mine: '1.0-1', login: '1:4.13+dfsg1-1' };
  const asked = packagesToAsk(packages, { mine: 'folder', acl: 'archive' });
  assert.equal(asked, ['systemd', 'acl', 'login']);
  const candidates = new Map<string, string | null>([['systemd', '254.26-1~bpo12+1'], ['acl', '2.3.1-3'], ['login', null]]);
  const moved = movedPackages(packages, asked, candidates);
  assert.equal(moved, [
    { name: 'systemd', recorded: '252.39-1~deb12u2', candidate: '254.26-1~bpo12+1' },
    { name: 'login', recorded: '1:4.13+dfsg1-1', candidate: null },
  ]);
  assert.is(describeMoved('debian-x', moved), 'debian-x: systemd 252.39-1~deb12u2 → 254.26-1~bpo12+1, login 1:4.13+dfsg1-1 → (none in the archive)');
  assert.equal(movedPackages({ systemd: '0:262-1' }, ['systemd'], new Map([['systemd', '262-1']])), [], '0:262-1 is 262-1');
  assert.is(describeMoved('debian-x', []), 'debian-x: nothing moved');
});

test('the apt source is build.sh\'s: the row\'s suites, pin and options; a baseline NAME@V reads NAME\'s row', () => {
  const rows = parseImagesList(
    '# comment\ndebian-bookworm-backports   bookworm  bookworm-backports   -  acl\ndebian-forky  forky  -  Acquire::Check-Valid-Until=false  acl\n',
    'images.list',
  );
  const record: ImageRecord = { name: 'debian-forky@262-1', file: 'x/image.json', release: 'forky', systemdSuite: 'forky', recipe: 'debian-forky', packages: {}, origins: {} };
  const forky = aptSourceOf(record, rows, 'http://m/debian');
  assert.equal(forky, { mirror: 'http://m/debian', release: 'forky', systemdSuite: undefined, options: ['Acquire::Check-Valid-Until=false'] });
  assert.equal(optionFlags(forky.options), ['-o', 'Acquire::Check-Valid-Until=false']);
  assert.is(preferences(forky), '');
  const backports = aptSourceOf({ ...record, name: 'debian-bookworm-backports', release: 'bookworm', recipe: 'debian-bookworm-backports' }, rows, 'http://m/debian');
  assert.match(sourcesList(backports), /m\/debian bookworm main\n.*m\/debian bookworm-backports main\n$/);
  assert.match(preferences(backports), /Package: src:systemd\nPin: release n=bookworm-backports\nPin-Priority: 990/);
  assert.throws(() => aptSourceOf({ ...record, recipe: 'debian-sid' }, rows, 'm'), /no row "debian-sid" in images.list.*known: debian-bookworm-backports, debian-forky/);
  assert.throws(() => aptSourceOf({ ...record, release: 'trixie' }, rows, 'm'), /says release trixie, images.list's row debian-forky says forky/);
  assert.throws(() => optionFlags(['Acquire']), /apt option "Acquire" is not KEY=VALUE/);
  assert.throws(() => parseImagesList('lonely\n', 'L'), /L:1: "lonely" has no RELEASE column/);
});

/** An images folder with one image.json of bookworm recording these versions. */
async function imagesWith(packages: Record<string, string | null>): Promise<string> {
  const dir = await tempDir('harness-outdated-');
  await mkdir(path.join(dir, 'debian-bookworm'));
  const meta = { name: 'debian-bookworm', release: 'bookworm', systemdSuite: 'bookworm', packages, packageOrigins: {}, base: '' };
  await writeFile(path.join(dir, 'debian-bookworm/image.json'), JSON.stringify(meta));
  return dir;
}

const outdated = (dir: string, ...more: string[]) =>
  execa('node', [path.join(REPO_ROOT, 'bin/harness.js'), 'images', 'outdated', '--images-dir', dir, ...more], { reject: false });

test('against the real archive: an older systemd is reported moved (exit 1); the archive\'s own is not (exit 0)', async () => {
  const old = await outdated(await imagesWith({ systemd: '252.1-1', lastlog2: null }));
  assert.is(old.exitCode, 1, old.stdout + old.stderr);
  const moved = /^debian-bookworm: systemd 252\.1-1 → (252\.\S+)$/m.exec(old.stdout);
  assert.ok(moved, old.stdout);
  const current = await outdated(await imagesWith({ systemd: moved[1] }));
  assert.is(current.exitCode, 0, current.stdout + current.stderr);
  assert.is(current.stdout, 'debian-bookworm: nothing moved');
});

test('an unreachable mirror fails with exit 3, naming the mirror and apt\'s error', async () => {
  const result = await outdated(await imagesWith({ systemd: '252.1-1' }), '--mirror', 'http://127.0.0.1:9/debian');
  assert.is(result.exitCode, 3, result.stdout + result.stderr);
  assert.is(result.stdout, '');
  assert.match(result.stderr, /cannot read Debian's archive at http:\/\/127\.0\.0\.1:9\/debian \(suites bookworm\): is the network to it up/);
  assert.match(result.stderr, /Could not connect to 127\.0\.0\.1:9/);
});

test('a bad image is a usage error naming its file; an unknown action is named', async () => {
  const dir = await imagesWith({ systemd: '252.1-1' });
  await writeFile(path.join(dir, 'debian-bookworm/image.json'), '{"release": "bookworm", "packages": {"systemd": 252}}');
  const bad = await outdated(dir);
  assert.is(bad.exitCode, 2);
  assert.match(bad.stderr, /debian-bookworm\/image.json: "packages" must map package names to strings or null/);
  const missing = await outdated(dir, 'debian-nowhere');
  assert.match(missing.stderr, /image debian-nowhere: .*debian-nowhere\/image.json is missing/);
  const action = await execa('node', [path.join(REPO_ROOT, 'bin/harness.js'), 'images', 'renew'], { reject: false });
  assert.is(action.exitCode, 2);
  assert.match(action.stderr, /images: unknown action "renew"; known: outdated, refresh, prune, test/);
});

test.run();
