// Scenarios with several guests (`guests:`), on real guests: they reach each other by name
// on their private network and reach no address of the host; a guest that dies mid-scenario
// makes the remaining steps errors naming it and ends the others; Ctrl-C leaves no QEMU.
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countingListener, REPO_ROOT, leftovers, printed, processesMarked, runHarness, scenarioFile, tempDir, testcases, validateJUnit, type HarnessRun } from '../support/harness.js';

/** Every IPv4 address of the host, loopback aside (in a guest, 127.0.0.1 is its own). */
function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address));
}

/** A step on `guest` that connects to ADDRESS:PORT and prints the first line it read, or `blocked`. */
const connectStep = (guest: string, name: string, address: string, port: number, expected: string) => `
  - on: ${guest}
    name: ${name}
    run: |
      if out=$(timeout 15 bash -c 'exec 3<>/dev/tcp/${address}/${port} && head -n1 <&3' 2>&1) && [ -n "$out" ]; then echo "$out"; else echo blocked; fi
    expect: {stdout: "${expected}"}`;

const outcomes = (xml: string) => testcases(xml).map((c) => c.outcome);

async function assertNothingLeft(run: HarnessRun): Promise<string> {
  assert.ok((await validateJUnit(run.junit)).ok, 'the report validates');
  assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive the run');
  return readFile(run.junit, 'utf8');
}

test('two guests reach each other by name and no host address, restored from their snapshot in a later run too; each is reported with its image and address', async () => {
  const host = await countingListener('0.0.0.0');
  try {
    const targets = ['10.0.2.2', ...hostAddresses()];
    const file = await scenarioFile(`
name: two guests on their network
image: debian-bookworm
timeout: 8m
guests:
  server:
    files:
      /usr/local/bin/greeter:
        mode: "0755"
        content: |
          #!/usr/bin/python3
          import socketserver
          class Greet(socketserver.StreamRequestHandler):
              def handle(self):
                  self.wfile.write(b"hello from server\\n")
          socketserver.TCPServer(("0.0.0.0", 7000), Greet).serve_forever()
    services:
      greeter:
        exec: /usr/local/bin/greeter
  client: {}
steps:
  - on: server
    start: greeter
  - on: client
    name: names resolve to the private addresses
    run: getent hosts server client | tr -s ' ' | sort
    expect: {stdout: "10.76.0.1 server\\n10.76.0.2 client\\n"}
  - on: client
    run: hostname
    expect: {stdout: "client\\n"}
${connectStep('client', 'the client reaches the server by name', 'server', 7000, 'hello from server')}
${targets.map((address, i) => connectStep('client', `host address ${i} is out of reach`, address, host.port, 'blocked')).join('')}
${connectStep('server', 'so is the host from the server', '10.0.2.2', host.port, 'blocked')}
`);
    const cache = await tempDir();
    const run = await runHarness(['run', file], { env: { HARNESS_CACHE_DIR: cache }, timeoutMs: 600_000 });
    assert.is(run.exitCode, 0, run.stdout + run.stderr);
    const xml = await assertNothingLeft(run);
    assert.ok(outcomes(xml).every((o) => o === 'passed'), xml);
    assert.is(host.connections(), 0, 'no connection from either guest reached the host');
    for (const [name, address] of [['server', '10.76.0.1'], ['client', '10.76.0.2']]) {
      assert.match(xml, `<property name="guest.${name}.image" value="debian-bookworm"/>`);
      assert.match(xml, `<property name="guest.${name}.address" value="${address}"/>`);
      assert.match(xml, new RegExp(`<property name="guest\\.${name}\\.systemd\\.version" value="252"/>`));
      assert.match(xml, new RegExp(`<property name="guest\\.${name}\\.network\\.frames" value="[1-9]\\d*"/>`), 'the switch carried its frames');
    }
    const origins = [...xml.matchAll(/<property name="guest\.\w+\.origin" value="([^"]*)"/g)].map((m) => m[1]);
    assert.equal(origins, ['snapshot made', 'snapshot made'], 'both guests came from the snapshot made for them');
    const entries = (await readdir(cache)).filter((name) => existsSync(path.join(cache, name, 'memory.state')));
    assert.is(entries.length, 1, `one snapshot, made once, serves both guests: ${entries.join(', ')}`);
    // the NIC's backend is no part of the saved state: a later run's guests, restored from it,
    // join that run's own switch (another folder) and reach each other as well
    const again = await runHarness(['run', file], { env: { HARNESS_CACHE_DIR: cache }, timeoutMs: 600_000 });
    assert.is(again.exitCode, 0, again.stdout + again.stderr);
    const xmlAgain = await assertNothingLeft(again);
    assert.ok(outcomes(xmlAgain).every((o) => o === 'passed'), xmlAgain);
    assert.equal([...xmlAgain.matchAll(/<property name="guest\.\w+\.origin" value="([^"]*)"/g)].map((m) => m[1]), ['snapshot restored', 'snapshot restored']);
  } finally {
    host.close();
  }
});

const twoGuestsSleeping = (name: string) => `
name: "${name}"
image: debian-bookworm
timeout: 6m
guests:
  server: {}
  client: {}
steps:
  - on: server
    name: before the fault
    run: "true"
  - on: client
    name: the client waits
    run: sleep 120
  - on: client
    name: after, on the client
    run: "true"
  - on: server
    name: after, on the server
    run: "true"
`;

test('a guest killed mid-scenario: the step under way and every later one are errors naming it, the others stop', async () => {
  const file = await scenarioFile(twoGuestsSleeping('fault: one of two guests killed'));
  const run = await runHarness(['run', file], {
    whileRunning: (child, runId) =>
      void printed(child, /✔ before the fault/).then(async () => {
        const [server] = (await processesMarked(`HARNESS_TEST_RUN=${runId}`)).filter((p) => p.includes('qemu-system') && p.includes('-name harness-debian-bookworm-server'));
        if (server) process.kill(Number(server.split(' ')[0]), 'SIGKILL');
      }),
  });
  assert.is(run.exitCode, 3, run.stdout + run.stderr);
  const xml = await assertNothingLeft(run);
  assert.equal(outcomes(xml), ['passed', 'error', 'error', 'error']);
  assert.match(xml, /guest server: QEMU exited unexpectedly \(signal SIGKILL\)/);
  // each guest's evidence in a folder of its own: the lost one's console, the other's journal too
  for (const kept of ['server/serial.log', 'client/serial.log', 'client/journal.txt']) {
    assert.ok(new RegExp(`\\[\\[ATTACHMENT\\|[^\\]]*/${kept}\\]\\]`).test(xml), `${kept} attached\n${xml}`);
  }
  assert.ok((xml.match(/not run: guest server was lost \(MachineError: QEMU exited unexpectedly \(signal SIGKILL\)\); the others were stopped/g)?.length ?? 0) >= 2, xml);
});

test('SIGINT with two guests running stops both, writes the report, exits 130', async () => {
  const file = await scenarioFile(twoGuestsSleeping('fault: SIGINT with two guests'));
  const run = await runHarness(['run', file], {
    detached: true,
    whileRunning: (child) => void printed(child, /✔ before the fault/).then(() => process.kill(-child.pid!, 'SIGINT')),
  });
  assert.is(run.exitCode, 130, run.stdout + run.stderr);
  const xml = await assertNothingLeft(run);
  assert.match(xml, /interrupted[^"]*SIGINT/);
  assert.equal(outcomes(xml)[0], 'passed');
});

test('the shipped SSH scenario goes red where pam_unix leaves the account stack: the expired account gets in', async () => {
  const overlay = path.join(await tempDir(), 'permit.yaml');
  await writeFile(overlay, 'name: pam_unix out of the account stack\nfiles:\n  /etc/pam.d/common-account:\n    content: |\n      account required pam_permit.so\n');
  const run = await runHarness(['run', path.join(REPO_ROOT, 'scenarios/network/ssh-pam.yaml'), '--image', 'debian-bookworm', '--overlay', overlay], { timeoutMs: 600_000 });
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  const xml = await assertNothingLeft(run);
  const red = testcases(xml).filter((c) => c.outcome === 'failure').map((c) => c.name.replace(/&apos;/g, "'"));
  assert.equal(red, ["an expired account is refused by pam_unix's account stack, right password and all", 'and the expired account in the account stack']);
  assert.ok(testcases(xml).every((c) => c.outcome !== 'error'), xml);
});

test.run();
