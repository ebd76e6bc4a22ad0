// Who is at fault when something goes wrong, said once by the error where it is raised (its
// `fault`): the host and QEMU ('host': the one kind `--retries` reruns), the guest under test
// ('guest': a result, a failure), or the test side ('harness': the scenario as written, the
// harness's own limits). Each error here is made where the harness makes it, where that
// needs no guest.
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckError } from '../../harness/checks/context.js';
import { unlessTheHosts } from '../../harness/util/fault.js';
import { Guest } from '../../harness/guest/guest.js';
import type { Step } from '../../harness/load/scenario.js';
import { GuestNamedError } from '../../harness/runner/guest-errors.js';
import { RebootError } from '../../harness/runner/reboot.js';
import { SavedValues } from '../../harness/runner/saved-values.js';
import { LimitWatch } from '../../harness/runner/step-limits.js';
import { readVersions, upgradeGuest } from '../../harness/runner/upgrade.js';
import type { ImageInfo } from '../../harness/vm/image.js';
import { GuestFatal, qemuExited, RestoreError } from '../../harness/vm/machine.js';
import { tempDir } from '../support/harness.js';

/** The attribute itself, not a reading with a default: an error that says nothing is a defect here. */
const faultOf = (err: unknown) => (err as { fault?: unknown } | undefined)?.fault;

async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  return assert.unreachable('it should have failed');
}

/** A port on this host nobody listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('what the guest does to itself is the guest\'s: a panic or emergency mode, a reboot it does not come back from', () => {
  assert.is(faultOf(new GuestFatal('kernel panic on the serial console:\nKernel panic - not syncing: sysrq triggered crash', [])), 'guest');
  assert.is(faultOf(new RebootError('after the reboot, guest not reachable over SSH within 60000 ms')), 'guest');
});

test('what is not the guest\'s doing is the host\'s: a snapshot QEMU will not restore, the first SSH connection that never comes', async () => {
  assert.is(faultOf(new RestoreError('QEMU could not load the saved state /x/memory.state: not a migration stream')), 'host');
  const key = path.join(await tempDir(), 'id_ed25519');
  await writeFile(key, 'not a key\n');
  const err = await rejection(Guest.connect({ port: await closedPort(), user: 'root', privateKeyPath: key, hostKeyFingerprint: 'SHA256:x', deadlineMs: 1500 }));
  assert.match(String(err), /not reachable over SSH/);
  assert.is(faultOf(err), 'host');
  const afterReboot = await rejection(Guest.connect({ port: await closedPort(), user: 'root', privateKeyPath: key, hostKeyFingerprint: 'SHA256:x', deadlineMs: 1500, unreachable: 'guest' }));
  assert.is(faultOf(afterReboot), 'guest', 'after a reboot it asked for, a guest that never answers is the guest\'s');
});

test('what the scenario asks that cannot be done, and the harness\'s own limits, are the test side\'s', async () => {
  assert.is(faultOf(new CheckError('systemd does not know nope.service')), 'harness');
  const step = { kind: 'run', name: 'uses it', uses: ['ID'], at: { file: 's.yaml', line: 3, col: 5 } } as unknown as Step;
  let unsaved: unknown;
  try {
    new SavedValues().fill(step);
  } catch (err) {
    unsaved = err;
  }
  assert.match(String(unsaved), /has no value/);
  assert.is(faultOf(unsaved), 'harness');
  const limits = new LimitWatch(Date.now(), 1, new AbortController().signal);
  const limit = await rejection(limits.expired);
  limits.dispose();
  assert.match(String(limit), /exceeded its timeout/);
  assert.is(faultOf(limit), 'harness');
});

test('QEMU ending by itself: status 0 is the guest shutting down or rebooting unasked (-no-reboot), anything else the host\'s', () => {
  const shutdown = qemuExited({ exitCode: 0 }, ['reboot: Restarting system']);
  assert.is(faultOf(shutdown), 'guest');
  assert.match(shutdown.message, /the guest shut down or rebooted by itself/);
  assert.equal(shutdown.serialTail, ['reboot: Restarting system']);
  const killed = qemuExited({ signal: 'SIGKILL' }, []);
  assert.is(faultOf(killed), 'host');
  assert.is(killed.message, 'QEMU exited unexpectedly (signal SIGKILL)');
  assert.is(faultOf(qemuExited({ exitCode: 1 }, [])), 'host');
});

test('an upgrade the image cannot give is the test side\'s; a guest left unreadable by one is the guest\'s', async () => {
  const image = { name: 'debian-trixie', packages: {} } as unknown as ImageInfo;
  const refused = await rejection(upgradeGuest(undefined as never, image, {}, ['systemd'], 1000));
  assert.match(String(refused), /carries no candidate/);
  assert.is(faultOf(refused), 'harness');
  let unreadable: unknown;
  try {
    readVersions('dpkg: error: parsing file /var/lib/dpkg/status');
  } catch (err) {
    unreadable = err;
  }
  assert.is(faultOf(unreadable), 'guest');
});

test('a reboot\'s or upgrade\'s trouble is told as the guest\'s, but QEMU dying meanwhile stays the host\'s', async () => {
  const tell = (err: unknown) => new RebootError(`after the reboot, ${(err as Error).message}`);
  const dropped = await rejection(unlessTheHosts(Promise.reject(new Error('the SSH connection dropped')), tell));
  assert.is(faultOf(dropped), 'guest');
  assert.is((dropped as Error).message, 'after the reboot, the SSH connection dropped');
  const killed = qemuExited({ signal: 'SIGKILL' }, []);
  assert.is(await rejection(unlessTheHosts(Promise.reject(killed), tell)), killed);
});

test('an error that names its guest keeps the fault of what it names', () => {
  const original = new GuestFatal('kernel panic on the serial console', []);
  assert.is(faultOf(new GuestNamedError(original, `guest server: ${original.message}`)), 'guest');
  assert.is(faultOf(new GuestNamedError(new RestoreError('no'), 'guest server: no')), 'host');
});

test.run();
