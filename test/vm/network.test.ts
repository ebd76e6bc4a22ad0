// The guest's network is closed by default (restrict=on): a guest cannot open a connection
// to the host, here a listener on the host's loopback that the guest sees as 10.0.2.2,
// while the harness's own SSH forward keeps working. `vm.outbound` opens exactly the ways
// out it names. Both guests are restored from one snapshot, so this also shows that a
// restored guest gets the network of the QEMU that restores it, not of the one that made it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countingListener, leftovers, runHarness, tempDir, testcases, validateJUnit } from '../support/harness.js';

/** A step that connects to ADDRESS:PORT from the guest and prints what it read, or `blocked`. */
function connectStep(name: string, address: string, port: number, expected: string): string {
  return `
  - name: ${name}
    run: |
      if out=$(timeout 20 bash -c 'exec 3<>/dev/tcp/${address}/${port} && head -n1 <&3' 2>&1) && [ -n "$out" ]; then echo "$out"; else echo blocked; fi
    expect: {stdout: "${expected}"}`;
}

test('a guest reaches no host address but those vm.outbound names, restored from one snapshot either way', async () => {
  const host = await countingListener('127.0.0.1');
  try {
    const dir = await tempDir();
    const cache = await tempDir();
    const { port } = host;
    await writeFile(path.join(dir, 'a-closed.yaml'), `
name: network closed by default
image: debian-bookworm
timeout: 8m
steps:${connectStep('the host loopback listener is out of reach', '10.0.2.2', port, 'blocked')}${connectStep('an address nobody forwarded is out of reach', '10.0.2.100', port, 'blocked')}
`);
    await writeFile(path.join(dir, 'b-outbound.yaml'), `
name: network with one way out
image: debian-bookworm
timeout: 8m
vm:
  outbound:
    "10.0.2.100:${port}": "127.0.0.1:${port}"
steps:${connectStep('the named way out reaches the host listener', '10.0.2.100', port, 'hello from the host')}${connectStep('a second connection through it too', '10.0.2.100', port, 'hello from the host')}${connectStep('the host address itself stays out of reach', '10.0.2.2', port, 'blocked')}
`);
    const closed = await runHarness(['run', path.join(dir, 'a-closed.yaml')], { env: { HARNESS_CACHE_DIR: cache }, timeoutMs: 600_000 });
    assert.is(closed.exitCode, 0, closed.stdout + closed.stderr);
    assert.is(host.connections(), 0, 'no connection from the closed guest reached the host listener');
    const open = await runHarness(['run', path.join(dir, 'b-outbound.yaml')], { env: { HARNESS_CACHE_DIR: cache }, timeoutMs: 600_000 });
    assert.is(open.exitCode, 0, open.stdout + open.stderr);
    assert.is(host.connections(), 2, 'exactly the two connections through the way out reached the host');
    const origins: string[] = [];
    for (const run of [closed, open]) {
      assert.ok((await validateJUnit(run.junit)).ok);
      const xml = await readFile(run.junit, 'utf8');
      assert.ok(testcases(xml).every((c) => c.outcome === 'passed'), xml);
      origins.push(...[...xml.matchAll(/<property name="guest\.origin" value="([^"]*)"/g)].map((m) => m[1]));
      assert.equal(await leftovers(run), [], 'no QEMU process or VM temp dir may outlive a run');
    }
    assert.equal(origins, ['snapshot made', 'snapshot restored'], 'the open guest came from the closed one\'s snapshot');
  } finally {
    host.close();
  }
});

test.run();
