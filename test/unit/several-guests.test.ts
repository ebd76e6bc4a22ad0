// Scenarios with several guests, as pure logic: the loader's `guests:` and `on:` with their
// located errors, the private NIC on QEMU's command line and in the snapshot key, the guest
// side of the network, and the switch itself over real loopback sockets.
import dgram from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadScenarioText } from '../../harness/load/load.js';
import { networkCommand } from '../../harness/runner/guest-network.js';
import { runPool } from '../../harness/runner/run.js';
import { qemuArgs } from '../../harness/vm/qemu-args.js';
import { PrivateNetwork, privateAddress, privateMac } from '../../harness/vm/private-network.js';
import { describeSnapshot } from '../../harness/vm/snapshot-cache.js';
import { resolveVmSpec } from '../../harness/vm/spec.js';
import type { ImageInfo } from '../../harness/vm/image.js';
import { errorOf, errorsOf, FILE } from '../support/load-errors.js';

const TWO = `name: t
image: [debian-bookworm, debian-trixie]
guests:
  server:
    image: debian-bookworm
    sysctl: {net.ipv4.ip_forward: 1}
    services:
      web: {exec: /usr/bin/sleep infinity}
  client:
    files:
      /etc/motd: {content: hi}
steps:
  - on: server
    start: web
  - on: client
    run: "true"
`;

test('guests: each with its own keys and image, in the order written; steps say on which', () => {
  const s = loadScenarioText(TWO, FILE, { knownImages: ['debian-bookworm', 'debian-trixie'] });
  assert.equal(s.guests.map((g) => [g.name, g.image, Object.keys(g.files), g.sysctl, g.services.map((x) => x.name)]), [
    ['server', 'debian-bookworm', [], { 'net.ipv4.ip_forward': '1' }, ['web']],
    ['client', undefined, ['/etc/motd'], {}, []],
  ]);
  assert.equal(s.guests[0].at, { file: FILE, line: 4, col: 3 });
  assert.equal(s.steps.map((step) => step.on), ['server', 'client']);
});

test('a one-guest scenario is one guest named guest, its steps on no named guest', () => {
  const s = loadScenarioText('name: t\nimage: x\nsysctl: {a.b: 1}\nsteps:\n  - run: "true"\n', FILE, {});
  assert.equal(s.guests.map((g) => [g.name, g.sysctl]), [['guest', { 'a.b': '1' }]]);
  assert.is(s.steps[0].on, undefined);
});

test('on: is required with several guests, must name one, and is refused with one', () => {
  assert.is(errorOf(TWO.replace('  - on: client\n', '  - ')), '15:9 steps[1]: with several guests a step says which one it runs on: `on:` one of server, client');
  assert.is(errorOf(TWO.replace('on: client', 'on: clinet')), '15:9 steps[1].on: no guest is named clinet (did you mean client?); the guests: server, client');
  assert.is(errorOf('name: t\nimage: x\nsteps:\n  - on: a\n    run: "true"\n'), '4:5 steps[0].on: `on:` names one of the guests under `guests:`; this scenario has one guest, where every step runs');
});

test('a step names only the services of the guest it runs on', () => {
  assert.is(errorOf(TWO.replace('  - on: server\n    start: web', '  - on: client\n    start: web')), "14:12 steps[0].start: service `web` is not declared under `services:` (none are declared)");
});

test('guests: owns vm, files, sysctl and services; its names are host names; one guest is not several', () => {
  assert.is(errorOf(TWO.replace('steps:', 'sysctl: {a.b: 1}\nsteps:')), '12:1 sysctl: with `guests:`, `sysctl:` belongs to a guest: write it under guests.NAME.sysctl');
  assert.is(errorOf(TWO.replace('  client:', '  Client_1:').replace('on: client', 'on: Client_1')), '9:3 guests.Client_1: "Client_1" cannot be a guest\'s name, which is its host name: a lowercase letter, then lowercase letters, digits and "-" (31 at most)');
  assert.equal(errorsOf('name: t\nimage: x\nguests:\n  solo: {}\nsteps:\n  - on: solo\n    run: "true"\n'), [
    '4:3 guests: `guests:` is for two guests or more; a scenario with one guest writes its vm, files, sysctl and services at the top level',
  ]);
  assert.is(errorOf(TWO.replace('    image: debian-bookworm', '    image: debian-sid'), { knownImages: ['debian-bookworm', 'debian-trixie'] }), '5:12 guests.server.image: unknown image debian-sid; known: debian-bookworm, debian-trixie');
  assert.is(errorOf(TWO.replace('  client:\n', '  client:\n    memory: 512\n')), '10:5 guests.client.memory: unknown key `memory` in guest client; known keys: image, vm, files, sysctl, services, packages');
});

const image = {
  name: 'debian-bookworm', dir: '/img', kernel: '/img/kernel', initrd: '/img/initrd', disk: '/img/disk.qcow2',
  privateKey: '/img/id_ed25519', distro: 'debian', release: 'bookworm', systemdVersion: '252', packages: {}, packageOrigins: {},
  kernelCmdline: 'root=/dev/vda', hostKeyFingerprint: 'SHA256:x', user: 'root', vm: { memory: 1024, cpus: 2, threads: 1, cpuModel: 'max' },
} as ImageInfo;
const paths = { overlay: '/t/o.qcow2', serialLog: '/t/serial.log', qmpSocket: '/t/qmp.sock', sshPort: 40022 };

test('the private NIC: a dgram netdev between two loopback ports, one start MAC, its own PCI slot', () => {
  const spec = { ...resolveVmSpec(image, {}, 'tcg'), privateNic: { switchPort: 41000, guest: 'server' } };
  const args = qemuArgs(spec, { ...paths, privatePort: 41001 }).join(' ');
  assert.ok(args.includes('-netdev dgram,id=net1,local.type=inet,local.host=127.0.0.1,local.port=41001,remote.type=inet,remote.host=127.0.0.1,remote.port=41000'), args);
  assert.ok(args.includes('-device virtio-net-pci,netdev=net1,mac=52:54:00:4c:ff:ff,addr=0x10'), args);
  assert.ok(args.includes('-name harness-debian-bookworm-server'), args);
  assert.ok(args.includes('restrict=on'), 'the user-mode NIC stays closed');
  assert.not.ok(qemuArgs(resolveVmSpec(image, {}, 'tcg'), paths).join(' ').includes('net1'), 'one guest: no second NIC');
  assert.throws(() => qemuArgs(spec, paths), /needs its loopback port/);
});

test('the snapshot key says only that there is a private NIC, not its ports', async () => {
  const files = { ...image, disk: 'package.json', kernel: 'package.json', initrd: 'package.json' };
  const plain = await describeSnapshot(resolveVmSpec(files, {}, 'tcg'), '7.2');
  const a = await describeSnapshot({ ...resolveVmSpec(files, {}, 'tcg'), privateNic: { switchPort: 1, guest: 'a' } }, '7.2');
  const b = await describeSnapshot({ ...resolveVmSpec(files, {}, 'tcg'), privateNic: { switchPort: 2, guest: 'b' } }, '7.2');
  assert.equal(a, b);
  assert.is(a.privateNic, true);
  assert.is('privateNic' in plain, false, 'one-guest keys are as they were');
});

test('the guest side: its own MAC and address, its name, every guest in /etc/hosts', () => {
  const members = [{ name: 'server', index: 0 }, { name: 'client', index: 1 }];
  const command = networkCommand(members[1], members);
  assert.is(privateAddress(1), '10.76.0.2');
  assert.is(privateMac(1), '52:54:00:4c:00:02');
  for (const part of ['address 52:54:00:4c:00:02', 'ip address replace 10.76.0.2/24 dev "$nic"', 'hostname client', "'10.76.0.1 server # harness private network' '10.76.0.2 client # harness private network'"]) {
    assert.ok(command.includes(part), `${part}\n${command}`);
  }
});

/** A stand-in for a guest's QEMU: a loopback UDP socket that keeps what it receives. */
async function fakeQemu(): Promise<{ socket: dgram.Socket; port: number; got: Buffer[] }> {
  const socket = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, got };
}

const frame = (to: string, from: string, payload: string) => Buffer.concat([Buffer.from(to + from, 'hex'), Buffer.from([0x08, 0x00]), Buffer.from(payload)]);
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

test('the switch floods a broadcast, then sends to the guest a MAC was learnt from, and ignores strangers', async () => {
  const net = await PrivateNetwork.open(['a', 'b', 'c']);
  const [a, b, c, stranger] = await Promise.all([fakeQemu(), fakeQemu(), fakeQemu(), fakeQemu()]);
  try {
    net.attach('a', a.port);
    net.attach('b', b.port);
    net.attach('c', c.port);
    const macA = '5254004c0001';
    const macB = '5254004c0002';
    a.socket.send(frame('ffffffffffff', macA, 'who has'), net.switchPort('a'), '127.0.0.1');
    await settle();
    assert.equal([a.got.length, b.got.length, c.got.length], [0, 1, 1], 'a broadcast reaches every other guest');
    b.socket.send(frame(macA, macB, 'is at'), net.switchPort('b'), '127.0.0.1');
    await settle();
    assert.equal([a.got.length, b.got.length, c.got.length], [1, 1, 1], 'a unicast to a learnt MAC reaches its guest only');
    stranger.socket.send(frame('ffffffffffff', '5254004c0009', 'not a guest'), net.switchPort('a'), '127.0.0.1');
    await settle();
    assert.equal([a.got.length, b.got.length, c.got.length], [1, 1, 1], 'a datagram from any other port is dropped');
    assert.equal([...net.framesFrom], [['a', 1], ['b', 1]]);
  } finally {
    net.close();
    for (const q of [a, b, c, stranger]) q.socket.close();
  }
});

test('the pool counts a scenario of several guests as that many workers, and still runs one larger than the pool', async () => {
  let now = 0;
  let peak = 0;
  const order: string[] = [];
  const jobs = [{ name: 'one', guests: 1 }, { name: 'two', guests: 2 }, { name: 'also one', guests: 1 }, { name: 'three', guests: 3 }, { name: 'last', guests: 1 }];
  await runPool(jobs, 2, (job) => job.guests, async (job) => {
    now += Math.min(job.guests, 2);
    peak = Math.max(peak, now);
    order.push(job.name);
    await new Promise((resolve) => setTimeout(resolve, 20));
    now -= Math.min(job.guests, 2);
  });
  assert.is(peak, 2, 'never more guests at once than the pool has');
  assert.equal(order, jobs.map((j) => j.name), 'in the order given');
});

test.run();
