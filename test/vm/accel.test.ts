// The accelerator probe against real QEMU: it must be able to say yes (the probe kernel
// gets through its start-up under TCG), say why when it cannot, and `auto` must decide
// within its deadline, never hang.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseAccel, kernelRunsUnder } from '../../harness/vm/accel.js';
import { loadImage } from '../../harness/vm/image.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

const { kernel } = await loadImage(path.join(REPO_ROOT, 'images/out'), 'debian-bookworm');

test('the probe kernel runs to its no-root panic under TCG', async () => {
  const probe = await kernelRunsUnder('tcg', kernel, 60_000);
  assert.equal(probe, { ran: true, why: '' });
});

test('a probe that runs out of time says how far the kernel got', async () => {
  const probe = await kernelRunsUnder('tcg', kernel, 300);
  assert.is(probe.ran, false);
  assert.match(probe.why, /^a probe kernel did not finish starting within 300 ms \((its console stopped at: .+|its console stayed empty)\)$/);
});

test('a probe QEMU refuses says what QEMU said', async () => {
  const probe = await kernelRunsUnder('tcg', path.join(await tempDir(), 'no-such-kernel'), 60_000);
  assert.is(probe.ran, false);
  assert.match(probe.why, /^QEMU could not run a probe kernel: .*no-such-kernel/);
});

test('auto decides within the probe deadline, and only picks KVM where the probe kernel ran under it', async () => {
  const started = Date.now();
  const choice = await chooseAccel('auto', { kernel, deadlineMs: 10_000 });
  assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  assert.match(choice.reason, /^auto: /);
  if (choice.accel === 'kvm') assert.ok((await kernelRunsUnder('kvm', kernel, 10_000)).ran);
  else assert.match(choice.reason, /so TCG$/);
});

// A machine with working KVM has nothing to refuse: there the test is reported skipped.
// (Probed directly: chooseAccel keeps its answer, which would make the timing test above vacuous.)
const kvmWorks = existsSync('/dev/kvm') && (await kernelRunsUnder('kvm', kernel, 10_000)).ran;

(kvmWorks ? test.skip : test)('--accel kvm where KVM does not run is an error saying why, not a hang', async () => {
  try {
    await chooseAccel('kvm', { kernel });
    assert.unreachable('kvm was accepted');
  } catch (err) {
    assert.match((err as Error).message, /^--accel kvm: KVM is not usable here: /);
  }
});

test.run();
