// `harness images refresh` and `prune`: the baseline's name, the pruning rule, and a refresh
// against the real archive of an image recording an older systemd than bookworm-backports
// has, its build stood in for (the real build is checked by hand: docs/upgrades.md).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prune, refreshImage } from '../../harness/commands/images-refresh.js';
import { baselineName, baselinesToPrune, parseBaselineName } from '../../harness/vm/baselines.js';
import { imageNamesFromOption } from '../../harness/vm/recipes.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

test('a baseline is NAME@SYSTEMD-VERSION, numbered on when that name is taken', () => {
  assert.is(baselineName('debian-forky', '262-1', ['debian-forky']), 'debian-forky@262-1');
  assert.is(baselineName('debian-forky', '262-1', ['debian-forky@262-1', 'debian-forky@262-1.2']), 'debian-forky@262-1.3');
  assert.equal(parseBaselineName('debian-bookworm-backports@252.39-1~deb12u2'), { of: 'debian-bookworm-backports', version: '252.39-1~deb12u2' });
  assert.is(parseBaselineName('debian-forky+apparmor'), undefined);
  assert.is(parseBaselineName('@1'), undefined);
});

test('pruning keeps the newest N baselines of the image, removes the rest oldest first, leaves other images\' alone', () => {
  const baselines = [
    { name: 'debian-forky@260-1', of: 'debian-forky', keptAt: '2026-10-01T00:00:00.000Z' },
    { name: 'debian-forky@262-1', of: 'debian-forky', keptAt: '2026-12-01T00:00:00.000Z' },
    { name: 'debian-forky@261-1', of: 'debian-forky', keptAt: '2026-11-01T00:00:00.000Z' },
    { name: 'debian-trixie@257.9-1', of: 'debian-trixie', keptAt: '2026-01-01T00:00:00.000Z' },
  ];
  assert.equal(baselinesToPrune(baselines, 'debian-forky', 1).map((b) => b.name), ['debian-forky@260-1', 'debian-forky@261-1']);
  assert.equal(baselinesToPrune(baselines, 'debian-forky', 3), []);
  assert.equal(baselinesToPrune(baselines, 'debian-forky', 0).length, 3);
  assert.throws(() => baselinesToPrune(baselines, 'debian-forky', -1), /keep must be a whole number 0 or more, got -1/);
});

test('--image all leaves kept baselines out; naming one runs it', () => {
  const known = ['debian-bookworm', 'debian-forky', 'debian-forky@262-1'];
  assert.equal(imageNamesFromOption('all', known), ['debian-bookworm', 'debian-forky']);
  assert.equal(imageNamesFromOption('debian-forky@262-1,debian-forky', known), ['debian-forky@262-1', 'debian-forky']);
});

/** An images folder holding debian-bookworm-backports as if built when backports had bookworm's systemd. */
async function staleBackports(): Promise<string> {
  const dir = await tempDir('harness-refresh-');
  await mkdir(path.join(dir, 'debian-bookworm-backports'));
  const meta = { name: 'debian-bookworm-backports', release: 'bookworm', systemdSuite: 'bookworm-backports', packages: { systemd: '252.39-1~deb12u2', lastlog2: null }, packageOrigins: {}, base: '' };
  await writeFile(path.join(dir, 'debian-bookworm-backports/image.json'), JSON.stringify(meta));
  await mkdir(path.join(dir, 'debian-bookworm-backports@250-1'));
  await writeFile(path.join(dir, 'debian-bookworm-backports@250-1/image.json'), JSON.stringify({ ...meta, keptAt: '2020-01-01T00:00:00.000Z' }));
  return dir;
}

function sink() {
  let text = '';
  return { write: (chunk: string) => (text += chunk), get text() { return text; } };
}

test('refresh against the real archive: the moved image is kept as NAME@VERSION, the new one built beside it, old baselines pruned', async () => {
  const imagesDir = await staleBackports();
  const out = sink();
  const built: Array<[string, Record<string, string>]> = [];
  const build = async (name: string, env: Record<string, string>) => {
    built.push([name, env]);
    await mkdir(path.join(imagesDir, name));
    await writeFile(path.join(imagesDir, name, 'image.json'), JSON.stringify({ release: 'bookworm', packages: { systemd: '254.26-1~bpo12+1' } }));
  };
  const code = await refreshImage('debian-bookworm-backports', { imagesDir, keep: 1, out, build });
  assert.is(code, 0, out.text);
  assert.match(out.text, /^debian-bookworm-backports: systemd 252\.39-1~deb12u2 → 254\.\S+/m);
  assert.equal(built, [['debian-bookworm-backports', { HARNESS_IMAGES: imagesDir }]]);
  assert.equal((await readdir(imagesDir)).sort(), ['debian-bookworm-backports', 'debian-bookworm-backports@252.39-1~deb12u2']);
  const kept = JSON.parse(await readFile(path.join(imagesDir, 'debian-bookworm-backports@252.39-1~deb12u2/image.json'), 'utf8'));
  assert.is(kept.name, 'debian-bookworm-backports@252.39-1~deb12u2');
  assert.is(kept.baselineOf, 'debian-bookworm-backports');
  assert.match(out.text, /kept debian-bookworm-backports as debian-bookworm-backports@252\.39-1~deb12u2; building/);
  assert.match(out.text, /pruned debian-bookworm-backports@250-1 \(kept 2020-01-01T00:00:00\.000Z\): only the newest 1 baseline\(s\) of debian-bookworm-backports stay/);
});

test('a failed build puts the image back as it was and keeps no baseline', async () => {
  const imagesDir = await staleBackports();
  const before = await readFile(path.join(imagesDir, 'debian-bookworm-backports/image.json'), 'utf8');
  const build = async (name: string) => {
    await mkdir(path.join(imagesDir, `${name}`));
    throw new Error('images/build-if-needed.sh debian-bookworm-backports failed (exit 1): E: no space');
  };
  const code = await refreshImage('debian-bookworm-backports', { imagesDir, keep: 1, out: sink(), build });
  assert.is(code, 3);
  assert.equal((await readdir(imagesDir)).sort(), ['debian-bookworm-backports', 'debian-bookworm-backports@250-1']);
  assert.is(await readFile(path.join(imagesDir, 'debian-bookworm-backports/image.json'), 'utf8'), before);
});

test('prune alone, and the CLI\'s words for a baseline refreshed or a bad --keep', async () => {
  const imagesDir = await staleBackports();
  const out = sink();
  assert.equal(await prune('debian-bookworm-backports', { imagesDir, keep: 0, out }), ['debian-bookworm-backports@250-1']);
  assert.match(out.text, /debian-bookworm-backports: no baseline kept/);
  const cli = (...args: string[]) => execa('node', [path.join(REPO_ROOT, 'bin/harness.js'), 'images', ...args, '--images-dir', imagesDir], { reject: false });
  const baseline = await cli('refresh', 'debian-forky@262-1');
  assert.is(baseline.exitCode, 2);
  assert.match(baseline.stderr, /debian-forky@262-1 is a kept baseline: refresh debian-forky instead/);
  const badKeep = await cli('prune', 'debian-forky', '--keep', 'two');
  assert.is(badKeep.exitCode, 2);
  assert.match(badKeep.stderr, /--keep must be a whole number 0 or more \(baselines of each image to keep\), got two/);
});

test.run();
