// `harness run --image` and `when:` checks that refuse before anything boots.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runHarness, scenarioFile, tempDir } from '../support/harness.js';

/** An images folder holding one image with the files present and these package versions. */
async function imagesWith(packages: Record<string, string | null>): Promise<string> {
  const images = await tempDir();
  const dir = path.join(images, 'debian-bookworm');
  await mkdir(dir);
  for (const file of ['kernel', 'initrd', 'disk.qcow2', 'id_ed25519']) await writeFile(path.join(dir, file), 'x');
  await chmod(path.join(dir, 'id_ed25519'), 0o600);
  const meta = { distro: 'debian', release: 'bookworm', systemdVersion: '252', packages, kernelCmdline: 'root=/dev/vda', hostKeyFingerprint: 'SHA256:x' };
  await writeFile(path.join(dir, 'image.json'), JSON.stringify(meta));
  return images;
}

const SCENARIO = `name: when names a package
image: debian-bookworm
steps:
  - run: lastlog2
    when: {lastlog2: ">=2.40"}
`;

test('a when: about a package the image does not record stops the run before booting, naming file:line:col', async () => {
  const file = await scenarioFile(SCENARIO);
  const run = await runHarness(['run', file, '--images-dir', await imagesWith({ systemd: '252.39-1~deb12u2' })]);
  assert.is(run.exitCode, 3, run.stderr);
  assert.match(run.stderr, `${file}:5:22: \`when\` names lastlog2, whose version image debian-bookworm does not record (it records: systemd)`);
});

test('--image with an unknown name is a usage error listing the known images', async () => {
  const file = await scenarioFile(SCENARIO);
  const run = await runHarness(['run', file, '--image', 'debian-bookworm,debian-sid', '--images-dir', await imagesWith({ lastlog2: null })]);
  assert.is(run.exitCode, 2);
  assert.match(run.stderr, /--image: unknown image "debian-sid"; known: debian-bookworm, debian-bookworm-backports, debian-forky, debian-trixie \(or `all`\)/);
});

test('a scenario none of whose steps is for the image is skipped, each step with its reason, and boots nothing', async () => {
  const file = await scenarioFile(SCENARIO);
  const run = await runHarness(['run', file, '--images-dir', await imagesWith({ systemd: '252.39-1~deb12u2', lastlog2: null })], { timeoutMs: 20_000 });
  assert.is(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, 'skipped: not for this image (lastlog2 is not installed): when lastlog2 >=2.40');
  assert.match(run.stdout, '0 passed, 0 failed, 0 errors, 1 skipped');
});

test.run();
