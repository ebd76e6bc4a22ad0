import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { qemuArgs, kernelCommandLine, smpArgument } from '../../harness/vm/qemu-args.js';
import { resolveVmSpec } from '../../harness/vm/spec.js';
import type { ImageInfo } from '../../harness/vm/image.js';

const image: ImageInfo = {
  name: 'debian-bookworm', dir: '/img', kernel: '/img/kernel', initrd: '/img/initrd', disk: '/img/disk.qcow2',
  privateKey: '/img/id_ed25519', distro: 'debian', release: 'bookworm', systemdVersion: '252', packages: { systemd: '252.39-1~deb12u2' },
  kernelCmdline: 'root=/dev/vda rw console=ttyS0', hostKeyFingerprint: 'SHA256:x', user: 'root',
  vm: { memory: 1024, cpus: 2, threads: 1, cpuModel: 'max' },
};
const paths = { overlay: '/t/o.qcow2', serialLog: '/t/serial.log', qmpSocket: '/t/qmp.sock', sshPort: 40022 };
const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

test('image defaults fill what the scenario leaves out', () => {
  const spec = resolveVmSpec(image, {}, 'tcg');
  assert.equal({ m: spec.memory, c: spec.cpus, t: spec.threads, cpu: spec.cpuModel }, { m: 1024, c: 2, t: 1, cpu: 'max' });
  assert.is(resolveVmSpec(image, {}, 'kvm').cpuModel, 'host');
});

test('threads become a real SMT topology', () => {
  const spec = resolveVmSpec(image, { cpus: 2, threads: 2, cpuModel: 'Skylake-Server' }, 'tcg');
  assert.is(smpArgument(spec), '2,sockets=1,cores=1,threads=2');
  const args = qemuArgs(spec, paths);
  assert.is(valueOf(args, '-smp'), '2,sockets=1,cores=1,threads=2');
  assert.is(valueOf(args, '-cpu'), 'Skylake-Server');
  assert.is(smpArgument(resolveVmSpec(image, { cpus: 4, threads: 2 }, 'tcg')), '4,sockets=1,cores=2,threads=2');
});

test('cpus that threads do not divide are refused', () => {
  assert.throws(() => smpArgument(resolveVmSpec(image, { cpus: 3, threads: 2 }, 'tcg')), /multiple of threads/);
});

test('accelerator, memory and kernel parameters reach the command line', () => {
  const tcg = qemuArgs(resolveVmSpec(image, { memory: 512, kernelParams: ['nosmt', 'nohibernate'] }, 'tcg'), paths);
  assert.is(valueOf(tcg, '-accel'), 'tcg,thread=multi');
  assert.is(valueOf(tcg, '-m'), '512');
  assert.is(valueOf(tcg, '-append'), 'root=/dev/vda rw console=ttyS0 nosmt nohibernate');
  assert.is(valueOf(qemuArgs(resolveVmSpec(image, {}, 'kvm'), paths), '-accel'), 'kvm');
});

test('SSH is forwarded on loopback only, and the disk is the overlay, never the image', () => {
  const args = qemuArgs(resolveVmSpec(image, {}, 'tcg'), paths);
  assert.match(valueOf(args, '-netdev'), /hostfwd=tcp:127\.0\.0\.1:40022-:22/);
  assert.match(valueOf(args, '-drive'), /^file=\/t\/o\.qcow2,/);
  assert.not.ok(args.join(' ').includes('disk.qcow2'));
  assert.ok(args.includes('-no-reboot'), 'a panicking guest must end QEMU');
  assert.is(valueOf(args, '-qmp'), 'unix:/t/qmp.sock,server=on,wait=off');
});

test('a restore boots with -incoming from the saved state', () => {
  const args = qemuArgs(resolveVmSpec(image, {}, 'tcg'), { ...paths, incoming: '/t/state' });
  assert.is(valueOf(args, '-incoming'), "exec:cat /t/state");
  // QEMU hands exec: to a shell: a path with a quote or a space stays one word.
  const odd = qemuArgs(resolveVmSpec(image, {}, 'tcg'), { ...paths, incoming: "/t/it's here" });
  assert.is(valueOf(odd, '-incoming'), "exec:cat '/t/it'\\''s here'");
});

// Which guests may share a snapshot is the snapshot cache's key (snapshot-cache.test.ts):
// it holds this command line, so kernel parameters part them.
test("the kernel command line is the image's, then the scenario's parameters", () => {
  assert.is(kernelCommandLine(resolveVmSpec(image, {}, 'tcg')), 'root=/dev/vda rw console=ttyS0');
  assert.is(kernelCommandLine(resolveVmSpec(image, { kernelParams: ['nosmt'] }, 'tcg')), 'root=/dev/vda rw console=ttyS0 nosmt');
});


test('paths inside QEMU option lists have their commas doubled; -incoming is one shell word', () => {
  const odd = { overlay: '/tmp/a,b/o.qcow2', serialLog: '/tmp/a,b/serial.log', qmpSocket: '/tmp/a,b/qmp.sock', sshPort: 40022, incoming: "/c,d/it's.state" };
  const args = qemuArgs(resolveVmSpec(image, {}, 'tcg'), odd);
  assert.is(valueOf(args, '-drive'), 'file=/tmp/a,,b/o.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap');
  assert.is(valueOf(args, '-chardev'), 'file,id=serial0,path=/tmp/a,,b/serial.log');
  assert.is(valueOf(args, '-qmp'), 'unix:/tmp/a,,b/qmp.sock,server=on,wait=off');
  assert.is(valueOf(args, '-incoming'), "exec:cat '/c,d/it'\\''s.state'");
});
test.run();
