// Scenarios with several guests, as pure logic: the loader's `guests:` and `on:` with their
// located errors, the private NIC on QEMU's command line and in the snapshot key, the guest
// side of the network, and the switch itself: a real vde_switch, with vde_plug for guests.
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadScenarioText } from '../../harness/load/load.js';
import { networkCommand } from '../../harness/runner/guest-network.js';
import { runPool } from '../../harness/runner/run.js';
import { qemuArgs } from '../../harness/vm/qemu-args.js';
import { framesByPid, PrivateNetwork, privateAddress, privateMac } from '../../harness/vm/private-network.js';
import { pidIsAlive } from '../../harness/vm/workdir.js';
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

test('the private NIC: a vde netdev at the switch\'s socket folder, one start MAC, its own PCI slot', () => {
  const spec = { ...resolveVmSpec(image, {}, 'tcg'), privateNic: { switchSocket: '/tmp/harness-vm-1-a,b/switch', guest: 'server' } };
  const args = qemuArgs(spec, paths);
  assert.equal(args.filter((arg, i) => args[i - 1] === '-netdev'), [
    'user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,restrict=on',
    'vde,id=net1,sock=/tmp/harness-vm-1-a,,b/switch',
  ], 'the user-mode NIC stays closed; a comma in the folder is doubled, as QEMU reads it');
  assert.ok(args.join(' ').includes('-device virtio-net-pci,netdev=net1,mac=52:54:00:4c:ff:ff,addr=0x10'), args.join(' '));
  assert.ok(args.join(' ').includes('-name harness-debian-bookworm-server'), args.join(' '));
  assert.not.ok(qemuArgs(resolveVmSpec(image, {}, 'tcg'), paths).join(' ').includes('net1'), 'one guest: no second NIC');
});

test('the snapshot key says only that there is a private NIC, not where its switch is', async () => {
  const files = { ...image, disk: 'package.json', kernel: 'package.json', initrd: 'package.json' };
  const plain = await describeSnapshot(resolveVmSpec(files, {}, 'tcg'), '7.2');
  const a = await describeSnapshot({ ...resolveVmSpec(files, {}, 'tcg'), privateNic: { switchSocket: '/tmp/a/switch', guest: 'a' } }, '7.2');
  const b = await describeSnapshot({ ...resolveVmSpec(files, {}, 'tcg'), privateNic: { switchSocket: '/tmp/b/switch', guest: 'b' } }, '7.2');
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

// vde_switch 2.3.2's answer to port/print with two QEMUs and a vde_plug on it
const PORT_PRINT = `0000 DATA END WITH '.'
Port 0001 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts        412          bytes                39210
 OUT: pkts        398          bytes                37102
  -- endpoint ID 0003 module unix prog   : QEMU user=root pid=866
Port 0002 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          0          bytes                    0
 OUT: pkts         12          bytes                  840
  -- endpoint ID 0007 module unix prog   : QEMU user=root pid=871
Port 0003 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          3          bytes                  192
 OUT: pkts          0          bytes                    0
  -- endpoint ID 0009 module unix prog   : vdeplug: user=root pid=17691
.
1000 Success
`;

test('port/print read as frames taken from each process on the switch', () => {
  assert.equal([...framesByPid(PORT_PRINT)], [[866, 412], [871, 0], [17691, 3]]);
  assert.equal([...framesByPid("0000 DATA END WITH '.'\n.\n1000 Success\n")], [], 'no port, no count');
});

/** A stand-in for a guest's QEMU on the switch: vde_plug, sending `frames` broadcast frames
 *  (vde_plug's stdin is a stream of frames, each after its length in two bytes). */
function plug(socket: string, frames: number) {
  const frame = Buffer.concat([Buffer.from('ffffffffffff5254004c0009', 'hex'), Buffer.from([0x88, 0xb5]), Buffer.alloc(46)]);
  const child = execa('vde_plug', [socket], { stdin: 'pipe', stdout: 'ignore', reject: false });
  for (let i = 0; i < frames; i++) child.stdin!.write(Buffer.concat([Buffer.from([0, frame.length]), frame]));
  return child;
}

test('the switch: its own in a 0700 folder, counting frames by the pid on each port, gone when closed', async () => {
  const network = await PrivateNetwork.open();
  const folder = network.socket.replace(/\/switch$/, '');
  const plugs = [plug(network.socket, 3), plug(network.socket, 0)];
  try {
    assert.is(statSync(folder).mode & 0o777, 0o700, 'only its owner gets in');
    assert.ok(statSync(`${network.socket}/ctl`).isSocket());
    const pids = new Map([['a', plugs[0].pid!], ['b', plugs[1].pid!], ['gone', 999_999_999]]);
    let frames = new Map<string, number>();
    for (let i = 0; i < 50 && (frames.get('a') ?? 0) < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      frames = await network.framesFrom(pids);
    }
    assert.equal([...frames], [['a', 3], ['b', 0]], 'what each sent; nothing for a pid not on the switch');
  } finally {
    for (const p of plugs) p.kill();
    await Promise.all(plugs);
    await network.close();
  }
  assert.not.ok(statSync(folder, { throwIfNoEntry: false }), 'its folder is removed');
  await network.close(); // twice is fine
});

/** The pid of the vde_switch serving `socket` (setpriv execs it, so its command line is its own). */
async function switchPid(socket: string): Promise<number> {
  const pid = Number((await execa('pgrep', ['-f', `^vde_switch --sock ${socket} `])).stdout.trim());
  assert.ok(pid > 0 && pidIsAlive(pid), `found the switch at ${socket}`);
  return pid;
}

test('closing ends the switch process, and a switch that cannot start says why', async () => {
  const network = await PrivateNetwork.open();
  const pid = await switchPid(network.socket);
  await network.close();
  assert.not.ok(pidIsAlive(pid), 'the switch is gone');
  const savedPath = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const err = await PrivateNetwork.open().then(() => undefined, (e: Error) => e);
    assert.match(err?.message ?? '', /vde_switch exited at start .*Debian package vde2/);
  } finally {
    process.env.PATH = savedPath;
  }
});

test('the switch dies with the harness, even one killed by SIGKILL', async () => {
  const module = new URL('../../harness/vm/private-network.js', import.meta.url).href;
  const owner = execa(process.execPath, ['--input-type=module', '-e', `const { PrivateNetwork } = await import(${JSON.stringify(module)}); console.log((await PrivateNetwork.open()).socket); setInterval(() => {}, 1000);`], { reject: false });
  const socket = await new Promise<string>((resolve) => owner.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  try {
    const pid = await switchPid(socket);
    owner.kill('SIGKILL');
    await owner;
    for (let i = 0; i < 50 && pidIsAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 40));
    assert.not.ok(pidIsAlive(pid), 'the switch went with the process that started it');
  } finally {
    owner.kill('SIGKILL');
    await rm(path.dirname(socket), { recursive: true, force: true }); // what the next run's sweep would remove
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
