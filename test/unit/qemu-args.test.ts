import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { qemuArgs, kernelCommandLine, smpArgument } from '../../harness/vm/qemu-args.js';
import { netdevRestrictions, parseGuestSide, parseHostSide } from '../../harness/vm/outbound.js';
import { resolveVmSpec } from '../../harness/vm/spec.js';
import type { ImageInfo } from '../../harness/vm/image.js';

const image: ImageInfo = {
  name: 'debian-bookworm', dir: '/img', kernel: '/img/kernel', initrd: '/img/initrd', disk: '/img/disk.qcow2',
  privateKey: '/img/id_ed25519', distro: 'debian', release: 'bookworm', systemdVersion: '252', packages: { systemd: '252.39-1~deb12u2' }, packageOrigins: {},
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

test('the guest reaches nothing outside by default; the SSH forward stays', () => {
  const netdev = valueOf(qemuArgs(resolveVmSpec(image, {}, 'tcg'), paths), '-netdev');
  assert.is(netdev, 'user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,restrict=on');
});

test('each vm.outbound way out is one guestfwd to a relay of its own, and nothing else opens', () => {
  const outbound = [
    { guestAddress: '10.0.2.100', guestPort: 8080, host: '127.0.0.1', port: 18080 },
    { guestAddress: '10.0.2.101', guestPort: 5432, host: 'db.example', port: 5432 },
  ];
  assert.equal(netdevRestrictions(outbound, ['/usr/bin/node', '/opt/h,x/relay.js']), [
    'restrict=on',
    'guestfwd=tcp:10.0.2.100:8080-cmd:/usr/bin/node /opt/h,,x/relay.js 127.0.0.1 18080',
    'guestfwd=tcp:10.0.2.101:5432-cmd:/usr/bin/node /opt/h,,x/relay.js db.example 5432',
  ]);
  const netdev = valueOf(qemuArgs(resolveVmSpec(image, { outbound }, 'tcg'), paths), '-netdev');
  assert.match(netdev, /^user,id=net0,hostfwd=tcp:127\.0\.0\.1:40022-:22,restrict=on,guestfwd=tcp:10\.0\.2\.100:8080-cmd:\S+ --no-warnings \S+outbound-relay\.js 127\.0\.0\.1 18080,guestfwd=tcp:10\.0\.2\.101:5432-cmd:/);
});

test('outbound addresses: the guest side on its network and free, the host side HOST:PORT', () => {
  assert.equal(parseGuestSide('10.0.2.100:8080'), { address: '10.0.2.100', port: 8080 });
  assert.match(parseGuestSide('10.0.2.2:8080') as string, /the host \(gateway\)/);
  assert.match(parseGuestSide('10.0.2.15:80') as string, /the guest's own address/);
  assert.match(parseGuestSide('10.0.2.3:53') as string, /DNS/);
  assert.match(parseGuestSide('192.168.1.5:80') as string, /not on the guest's network/);
  assert.match(parseGuestSide('10.0.2.100:0') as string, /port 0/);
  assert.match(parseGuestSide('10.0.2.100') as string, /ADDRESS:PORT/);
  assert.equal(parseHostSide('localhost:5432'), { host: 'localhost', port: 5432 });
  assert.match(parseHostSide('127.0.0.1:99999') as string, /port 99999/);
  assert.match(parseHostSide('a b:1') as string, /HOST:PORT/);
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
