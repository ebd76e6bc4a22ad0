// The VM and guest layers against one real guest: exec semantics, limits, trust, loss.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Guest, GuestError } from '../../harness/guest/guest.js';
import { chooseAccel } from '../../harness/vm/accel.js';
import { loadImage, type ImageInfo } from '../../harness/vm/image.js';
import { Machine, MachineError } from '../../harness/vm/machine.js';
import { resolveVmSpec } from '../../harness/vm/spec.js';
import { REPO_ROOT, leftovers } from '../support/harness.js';

let image: ImageInfo;
let machine: Machine;
let guest: Guest;

const connect = (fingerprint = image.hostKeyFingerprint, deadlineMs = 180_000) =>
  Guest.connect({ port: machine.sshPort, user: 'root', privateKeyPath: image.privateKey, hostKeyFingerprint: fingerprint, deadlineMs, lost: machine.lost });

test.before(async () => {
  image = await loadImage(path.join(REPO_ROOT, 'images/out'), 'debian-bookworm');
  const accel = await chooseAccel('auto', { kernel: image.kernel });
  machine = await Machine.boot(resolveVmSpec(image, { cpuModel: 'Skylake-Server', cpus: 2, threads: 2 }, accel.accel));
  guest = await connect();
});

// QEMU inherits the environment: this marks every process this file starts.
const runId = randomUUID();
process.env.HARNESS_TEST_RUN = runId;

test.after(async () => {
  guest?.close();
  await machine?.stop();
});

test('exec returns status, stdout and stderr apart', async () => {
  const result = await guest.exec('echo out; echo err >&2; exit 3');
  assert.is(result.exitCode, 3);
  assert.is(result.stdout, 'out\n');
  assert.is(result.stderr, 'err\n');
});

test('exec runs as another user', async () => {
  assert.is((await guest.succeed('id -un', { user: 'nobody' })).trim(), 'nobody');
});

test('a command runs in the login shell, as `ssh guest COMMAND` runs it, and its stderr is its own', async () => {
  const result = await guest.exec('echo "$0 $SHELL"; printf "\\001harness-pid 1\\n" >&2; echo "${BASH_VERSION:+bash}" >&2');
  assert.is(result.stdout, 'bash /bin/bash\n');
  assert.is(result.stderr, '\x01harness-pid 1\nbash\n', 'only the first pid line is the harness\'s');
  const spaced = await guest.exec('\n# a comment first\nexit 124');
  assert.is(spaced.exitCode, 124, 'a command\'s own 124 is a result, not a time-out');
});

test('exec passes stdin through', async () => {
  assert.is(await guest.succeed('tr a-z A-Z', { stdin: 'shout\n' }), 'SHOUT\n');
});

test('a command over its timeout is an error naming the limit, and is killed in the guest', async () => {
  const started = Date.now();
  try {
    await guest.exec('sleep 30; echo done > /run/late', { timeoutMs: 1500 });
    assert.unreachable('should have timed out');
  } catch (err) {
    assert.instance(err, GuestError);
    assert.match((err as Error).message, /timed out after 1500 ms/);
  }
  assert.ok(Date.now() - started < 10_000);
  assert.is((await guest.exec('pgrep -x sleep')).exitCode, 1, 'the timed-out command must not linger');
});

test('SMT topology reaches the guest (threads: 2 on Skylake-Server)', async () => {
  assert.is((await guest.succeed('cat /sys/devices/system/cpu/smt/control')).trim(), 'on');
});

test('a host key other than the image\'s is refused, not trusted', async () => {
  try {
    await connect('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 20_000);
    assert.unreachable('connected to a guest with an unexpected host key');
  } catch (err) {
    assert.match((err as Error).message, /host key .* is not the image's/);
  }
});

test('QEMU dying mid-command is an error at once, not a hang', async () => {
  const pending = guest.exec('sleep 60', { timeoutMs: 90_000 });
  await new Promise((r) => setTimeout(r, 500));
  const started = Date.now();
  machine.killForTest('SIGKILL');
  const execError = await pending.then(() => undefined, (e: Error) => e);
  assert.ok(execError instanceof GuestError || execError instanceof MachineError, `got ${execError}`);
  assert.ok(Date.now() - started < 5000, 'the pending command must fail at once');
  const lost = await machine.lost.catch((e: Error) => e);
  assert.instance(lost, MachineError);
  assert.match((lost as Error).message, /QEMU exited unexpectedly \(signal SIGKILL\)/);
});

test('stopping a machine leaves no process and no work dir', async () => {
  guest.close();
  await machine.stop();
  assert.equal(await leftovers({ runId, pid: process.pid }), []);
});

test.run();
