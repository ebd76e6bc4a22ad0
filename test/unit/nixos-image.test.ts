// images/nixos/ cannot be built here (no Nix binary cache): check what can be, that the
// image.json its flake and build.sh would write is one the harness accepts.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadImage } from '../../harness/vm/image.js';
import { tempDir } from '../support/harness.js';

const RECIPE = fileURLToPath(new URL('../../../images/nixos/', import.meta.url));

/** As flake.nix's `substitute --subst-var-by` and build.sh's node step fill it. */
async function imageJson(): Promise<Record<string, unknown>> {
  const template = await readFile(path.join(RECIPE, 'image.template.json'), 'utf8');
  const values: Record<string, string> = {
    release: '25.05', systemdMajor: '257', systemd: '257.6', pam: '1.7.0', utilLinux: '2.41',
    oslogin: '20250312.00', nix: '2.28.3', kernel: '6.12.30', toplevel: '/nix/store/aaaa-nixos-system-guest-25.05',
  };
  const filled = template.replace(/@(\w+)@/g, (_, key: string) => {
    assert.ok(key in values, `flake.nix substitutes no @${key}@`);
    return values[key];
  });
  return { name: 'nixos', ...JSON.parse(filled), hostKeyFingerprint: 'SHA256:abc', builtAt: '2026-01-01T00:00:00Z' };
}

test('every @var@ of image.template.json is one flake.nix substitutes', async () => {
  const flake = await readFile(path.join(RECIPE, 'flake.nix'), 'utf8');
  const template = await readFile(path.join(RECIPE, 'image.template.json'), 'utf8');
  for (const [, key] of template.matchAll(/@(\w+)@/g)) assert.ok(flake.includes(`--subst-var-by ${key} `), `@${key}@ is not substituted`);
});

test('the image.json the NixOS recipe writes is accepted by the image loader', async () => {
  const images = await tempDir();
  const dir = path.join(images, 'nixos');
  await mkdir(dir);
  for (const file of ['kernel', 'initrd', 'disk.qcow2', 'id_ed25519']) await writeFile(path.join(dir, file), 'x');
  await chmod(path.join(dir, 'id_ed25519'), 0o600);
  await writeFile(path.join(dir, 'image.json'), JSON.stringify(await imageJson()));
  const image = await loadImage(images, 'nixos');
  assert.is(image.distro, 'nixos');
  assert.is(image.systemdVersion, '257');
  assert.is(image.packages.systemd, '257.6');
  assert.is(image.packages.login, null);
  assert.match(image.kernelCmdline, /init=\/nix\/store\/\S+\/init .*nosmt/);
});

test.run();
