import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageError, listImages, loadImage, packageProperties } from '../../harness/vm/image.js';
import { tempDir } from '../support/harness.js';

const META = {
  name: 'debian-bookworm', distro: 'debian', release: 'bookworm', systemdVersion: '252',
  kernelCmdline: 'root=/dev/vda rw', hostKeyFingerprint: 'SHA256:abc', vm: { memory: 512, cpus: 2, threads: 2, cpuModel: 'max' },
};

async function fakeImage(meta: object | string = META, keyMode = 0o600): Promise<string> {
  const images = await tempDir();
  const dir = path.join(images, 'debian-bookworm');
  await mkdir(dir);
  for (const file of ['kernel', 'initrd', 'disk.qcow2', 'id_ed25519']) await writeFile(path.join(dir, file), 'x');
  await chmod(path.join(dir, 'id_ed25519'), keyMode);
  await writeFile(path.join(dir, 'image.json'), typeof meta === 'string' ? meta : JSON.stringify(meta));
  return images;
}

async function imageError(images: string): Promise<string> {
  try {
    await loadImage(images, 'debian-bookworm');
  } catch (err) {
    assert.instance(err, ImageError);
    return (err as Error).message;
  }
  assert.unreachable('the image was accepted');
  return '';
}

test('an image is its files plus what image.json says of them', async () => {
  const images = await fakeImage();
  const image = await loadImage(images, 'debian-bookworm');
  assert.is(image.disk, path.join(images, 'debian-bookworm/disk.qcow2'));
  assert.is(image.systemdVersion, '252');
  assert.equal(image.vm, { memory: 512, cpus: 2, threads: 2, cpuModel: 'max' });
  assert.equal(await listImages(images), ['debian-bookworm']);
});

test('package versions: recorded ones, null for not installed, and systemd from older image.json', async () => {
  const packages = { systemd: '257.13-1~deb13u1', lastlog2: null, 'util-linux': '2.41.5-0+deb13u1' };
  assert.equal((await loadImage(await fakeImage({ ...META, packages }), 'debian-bookworm')).packages, packages);
  const older = await loadImage(await fakeImage({ ...META, systemdPackageVersion: '252.39-1~deb12u2' }), 'debian-bookworm');
  assert.equal(older.packages, { systemd: '252.39-1~deb12u2' });
  assert.match(await imageError(await fakeImage({ ...META, packages: { systemd: 252 } })), /packages\["systemd"\] must be a version or null \(not installed\), got 252/);
  assert.match(await imageError(await fakeImage({ ...META, packages: ['systemd'] })), /"packages" must map package names to versions/);
});

test('a carried candidate: its suite and versions; none is undefined; a malformed one is named', async () => {
  const candidate = { suite: 'bookworm-backports', packages: { systemd: '254.26-1~bpo12+1', udev: '254.26-1~bpo12+1' } };
  assert.equal((await loadImage(await fakeImage({ ...META, carried: candidate }), 'debian-bookworm')).carried, candidate);
  assert.is((await loadImage(await fakeImage({ ...META, carried: null }), 'debian-bookworm')).carried, undefined);
  assert.is((await loadImage(await fakeImage(), 'debian-bookworm')).carried, undefined);
  assert.match(await imageError(await fakeImage({ ...META, carried: { suite: 'x', packages: {} } })), /"carried" must be null or/);
  assert.match(await imageError(await fakeImage({ ...META, carried: { suite: 'x', packages: { systemd: null } } })), /"carried" must be null or/);
});

test("a candidate's origins: read, checked, and recorded beside the versions for its testsuites", async () => {
  const packages = { systemd: '254.26-1~bpo12+1', 'util-linux': '2.38.1-5+deb12u3', lastlog2: null };
  const packageOrigins = { systemd: 'folder', 'util-linux': 'archive', lastlog2: null };
  const image = await loadImage(await fakeImage({ ...META, packages, packageOrigins }), 'debian-bookworm');
  assert.equal(image.packageOrigins, packageOrigins);
  assert.equal(packageProperties(image), {
    'package.systemd': '254.26-1~bpo12+1', 'package.systemd.origin': 'folder',
    'package.util-linux': '2.38.1-5+deb12u3', 'package.util-linux.origin': 'archive',
    'package.lastlog2': 'not installed',
  });
  // an image from before origins were recorded: versions alone
  const older = await loadImage(await fakeImage({ ...META, packages }), 'debian-bookworm');
  assert.equal(older.packageOrigins, {});
  assert.equal(Object.keys(packageProperties(older)), ['package.systemd', 'package.util-linux', 'package.lastlog2']);
  assert.match(await imageError(await fakeImage({ ...META, packages, packageOrigins: { systemd: 'sid' } })), /packageOrigins\["systemd"\] must be "folder", "archive" or null, got "sid"/);
  assert.match(await imageError(await fakeImage({ ...META, packages, packageOrigins: ['systemd'] })), /"packageOrigins" must map package names/);
});

test('a missing file is named with its path', async () => {
  const images = await tempDir();
  assert.match(await imageError(images), new RegExp(`${images}/debian-bookworm/kernel is missing`));
});

test('image.json that is not JSON, or lacks a field, is named', async () => {
  assert.match(await imageError(await fakeImage('{oops')), /image\.json is not valid JSON/);
  const { hostKeyFingerprint: _, ...noFingerprint } = META;
  assert.match(await imageError(await fakeImage(noFingerprint)), /lacks "hostKeyFingerprint"/);
});

test('a private key others can read is refused', async () => {
  assert.match(await imageError(await fakeImage(META, 0o644)), /id_ed25519 is readable by others \(mode 0644\); chmod 600 it/);
});

test.run();
