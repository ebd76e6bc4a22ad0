// The accelerator probe against real QEMU: it must be able to say yes (the probe guest
// runs to its end under TCG), and `auto` must decide within its deadline, never hang.
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseAccel, guestRunsUnder } from '../../harness/vm/accel.js';

test('the probe guest runs to its end under TCG', async () => {
  assert.ok(await guestRunsUnder('tcg', 10_000));
});

test('auto decides within the probe deadline, and only picks KVM where a guest ran under it', async () => {
  const started = Date.now();
  const choice = await chooseAccel('auto', 4000);
  assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  assert.match(choice.reason, /^auto: /);
  if (choice.accel === 'kvm') assert.ok(await guestRunsUnder('kvm', 4000));
  else assert.match(choice.reason, /so TCG$/);
});

// A machine with working KVM has nothing to refuse: there the test is reported skipped.
// (Probed directly: chooseAccel keeps its answer, which would make the timing test above vacuous.)
const kvmWorks = existsSync('/dev/kvm') && (await guestRunsUnder('kvm', 4000));

(kvmWorks ? test.skip : test)('--accel kvm where KVM does not run is an error saying why, not a hang', async () => {
  try {
    await chooseAccel('kvm');
    assert.unreachable('kvm was accepted');
  } catch (err) {
    assert.match((err as Error).message, /^--accel kvm: KVM is not usable here: /);
  }
});

test.run();
