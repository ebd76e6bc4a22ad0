// The private network of a scenario with several guests, on real guests: only the run's own
// QEMUs are on it. While two guests run, no QEMU holds an inet socket but its SSH forward,
// a process of another uid is refused at the network's door, and two runs side by side each
// hear their own pair and nothing of the other's.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { leftovers, printed, processesMarked, runHarness, scenarioFile, validateJUnit, type HarnessRun } from '../support/harness.js';

/** The full command line of each QEMU of the run marked `runId` (processesMarked shortens it). */
async function qemusOf(runId: string): Promise<{ pid: number; argv: string[] }[]> {
  const found = (await processesMarked(`HARNESS_TEST_RUN=${runId}`)).filter((p) => p.includes('qemu-system'));
  return Promise.all(found.map(async (line) => {
    const pid = Number(line.split(' ')[0]);
    return { pid, argv: (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean) };
  }));
}

/** Every TCP and UDP socket the process holds, as `ss` shows it: `tcp LOCAL PEER`. */
async function inetSockets(pid: number): Promise<string[]> {
  const { stdout } = await execa('ss', ['-tuapnH']);
  return stdout.split('\n').filter((line) => line.includes(`pid=${pid},`)).map((line) => {
    const [netid, , , , local, peer] = line.trim().split(/\s+/);
    return `${netid} ${local} ${peer}`;
  });
}

/** What the harness's own uid finds at `file`. */
function whatIsAt(file: string): string {
  const stat = statSync(file, { throwIfNoEntry: false });
  return stat?.isSocket() ? 'a socket' : stat ? 'not a socket' : 'nothing';
}

/** The option of the private NIC's -netdev (the one not `user,`). */
const privateNetdev = (argv: string[]) => argv.find((arg, i) => argv[i - 1] === '-netdev' && !arg.startsWith('user,')) ?? '';

/** As uid 65534, tries the way onto the network the QEMU's private netdev names: its switch's
 *  control socket (vde), or the switch's UDP port (dgram). Prints the errno it met, or what went through. */
async function strangerTries(netdev: string): Promise<string> {
  const vde = /^vde,(?:.*,)?sock=([^,]+)/.exec(netdev)?.[1];
  const udpPort = /remote\.port=(\d+)/.exec(netdev)?.[1];
  const program = vde
    ? `require('net').connect(${JSON.stringify(`${vde}/ctl`)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => console.log(e.code))`
    : `const s = require('dgram').createSocket('udp4'); s.send(Buffer.alloc(60), ${udpPort}, '127.0.0.1', (e) => { console.log(e ? e.code : 'sent a datagram to 127.0.0.1:${udpPort}, nothing refused it'); s.close(); })`;
  const result = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', program], { reject: false, cwd: '/', timeout: 10_000 });
  return (result.stdout || result.stderr).trim();
}

const twoGuestsWaiting = `
name: private network, looked at from the host
image: debian-bookworm
timeout: 6m
guests:
  server: {}
  client: {}
steps:
  - on: server
    name: both guests are up
    run: "true"
  - on: client
    name: the client waits while the host looks
    run: sleep 40
`;

interface Looked {
  run: HarnessRun;
  qemus: { pid: number; argv: string[]; sockets: string[]; netdev: string; stranger: string; ownerFinds: string }[];
}

/** One two-guest run, looked at from the host while both guests are up (tests 1 and 2 read it). */
const looked: Promise<Looked> = (async () => {
  const file = await scenarioFile(twoGuestsWaiting);
  let seen: Promise<Looked['qemus']> = Promise.resolve([]);
  const run = await runHarness(['run', file], {
    timeoutMs: 480_000,
    whileRunning: (child, runId) => {
      seen = printed(child, /✔ both guests are up/).then(async () => {
        const qemus = await qemusOf(runId);
        return Promise.all(qemus.map(async (q) => {
          const netdev = privateNetdev(q.argv);
          return { ...q, sockets: await inetSockets(q.pid), netdev, stranger: await strangerTries(netdev), ownerFinds: whatIsAt(`${/sock=([^,]+)/.exec(netdev)?.[1]}/ctl`) };
        }));
      });
    },
  });
  return { run, qemus: await seen };
})();

test('during a two-guest run no QEMU holds a TCP or UDP socket but its SSH forward', async () => {
  const { run, qemus } = await looked;
  assert.is(qemus.length, 2, `two QEMUs were looked at: ${JSON.stringify(qemus)}\n${run.stdout}${run.stderr}`);
  for (const { pid, argv, sockets } of qemus) {
    const sshPort = /hostfwd=tcp:127\.0\.0\.1:(\d+)-/.exec(argv.join(' '))?.[1];
    assert.ok(sshPort, argv.join(' '));
    const forward = (s: string) => s.startsWith('tcp ') && s.split(' ')[1] === `127.0.0.1:${sshPort}`;
    assert.ok(sockets.some(forward), `QEMU ${pid}'s SSH forward is among what ss shows, so the look can see: ${sockets.join('; ')}`);
    assert.equal(sockets.filter((s) => !forward(s)), [], `QEMU ${pid} holds no other inet socket`);
  }
});

test('a process of another uid is refused at the switch (EACCES)', async () => {
  const { run, qemus } = await looked;
  assert.is(qemus.length, 2);
  for (const { pid, netdev, stranger, ownerFinds } of qemus) {
    assert.is(stranger, 'EACCES', `uid 65534 trying QEMU ${pid}'s private network (-netdev ${netdev})`);
    assert.is(ownerFinds, 'a socket', 'the run\'s own uid finds the switch\'s socket there: the refusal is of a real door');
  }
  assert.ok((await validateJUnit(run.junit)).ok);
  assert.is(run.exitCode, 0, run.stdout + run.stderr);
  assert.equal(await leftovers(run), [], 'no QEMU, switch or temp dir outlives the run');
});

/** Broadcasts "TAG HOST" on the private NIC four times a second for SECONDS, and notes
 *  what else it hears there: /run/beacon.heard, and its window in the guest's clock. */
const BEACON = `#!/usr/bin/python3
import glob, os, socket, sys, time
tag, seconds = sys.argv[1], float(sys.argv[2])
nic, mac = next((p.split('/')[4], open(p).read().strip()) for p in glob.glob('/sys/class/net/*/address') if open(p).read().startswith('52:54:00:4c:00:'))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind((nic, 0))
s.settimeout(0.25)
me = f'{tag} {socket.gethostname()}'
frame = b'\\xff' * 6 + bytes.fromhex(mac.replace(':', '')) + b'\\x88\\xb5' + me.encode()
heard, start, due = set(), time.time(), 0.0
while time.time() - start < seconds:
    if time.time() >= due:
        s.send(frame)
        due = time.time() + 0.25
    try:
        payload = s.recv(2048)[14:].rstrip(b'\\0').decode(errors='replace')
    except socket.timeout:
        continue
    if payload != me:
        heard.add(payload)
with open('/run/beacon.window', 'w') as f:
    f.write(f'window {start:.0f} {time.time():.0f}\\n')
with open('/run/beacon.tmp', 'w') as f:
    f.write(''.join(f'heard {h}\\n' for h in sorted(heard)))
os.rename('/run/beacon.tmp', '/run/beacon.heard')
`;

const BEACON_S = 90;
const indented = (text: string, spaces: number) => text.split('\n').map((line) => (line ? ' '.repeat(spaces) + line : line)).join('\n');

const beaconing = (tag: string) => `
name: side by side ${tag}
image: debian-bookworm
timeout: 10m
guests:
${['left', 'right'].map((guest) => `  ${guest}:
    files:
      /usr/local/bin/beacon:
        mode: "0755"
        content: |
${indented(BEACON, 10)}
    services:
      beacon:
        exec: /usr/local/bin/beacon ${tag} ${BEACON_S}
`).join('')}
steps:
  - on: left
    start: beacon
  - on: right
    start: beacon
${[['left', 'right'], ['right', 'left']].map(([guest, peer]) => `  - on: ${guest}
    name: ${guest} has listened
    run: test -e /run/beacon.heard
    within: 4m
    every: 2s
  - on: ${guest}
    name: ${guest} hears its peer and no other run's guest
    run: cat /run/beacon.heard; cat /run/beacon.window >&2
    expect: {stdout: "heard ${tag} ${peer}\\n"}
`).join('')}`;

test("two two-guest runs side by side: each pair hears itself, neither hears the other's frames", async () => {
  const [a, b] = await Promise.all(['red', 'blue'].map(async (tag) => runHarness(['run', await scenarioFile(beaconing(tag))], { timeoutMs: 780_000 })));
  const windows: [number, number][] = [];
  for (const run of [a, b]) {
    const xml = await readFile(run.junit, 'utf8');
    assert.is(run.exitCode, 0, `${run.stdout}\n${run.stderr}\n${xml}`);
    for (const m of xml.matchAll(/\[stderr\]\nwindow (\d+) (\d+)/g)) windows.push([Number(m[1]), Number(m[2])]);
    assert.equal(await leftovers(run), []);
  }
  assert.is(windows.length, 4, 'each guest said when it listened');
  const overlap = Math.min(...windows.map((w) => w[1])) - Math.max(...windows.map((w) => w[0]));
  assert.ok(overlap >= 20, `all four guests beaconed and listened at once for ${overlap} s (20 at least), so the silence is telling: ${JSON.stringify(windows)}`);
});

test.run();
