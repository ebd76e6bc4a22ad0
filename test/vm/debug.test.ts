// Debugging a failure against real guests: --keep-on-failure leaves the guest running and
// says how to get in; --save-failure writes a bundle that `harness repro` lands in.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerFromKeptGuest, leftovers, REPO_ROOT, runHarness, scenarioFile, tempDir } from '../support/harness.js';

// /run is a tmpfs: a marker there lives in the guest's memory, not on its disk.
const failing = (marker: string) => `
name: debug, a failure to look into
image: debian-bookworm
timeout: 5m
steps:
  - run: echo ${marker} > /run/failed-here
  - name: the failing step
    run: "false"
`;

test('--keep-on-failure leaves the failed guest running and prints the ssh command that gets in', async () => {
  const marker = `kept-${Date.now()}`;
  const file = await scenarioFile(failing(marker));
  let answer: Promise<string> | undefined;
  const run = await runHarness(['run', file, '--keep-on-failure'], {
    whileRunning: (child) => {
      answer = answerFromKeptGuest(child, 'cat /run/failed-here');
    },
  });
  const answered = await answer;
  assert.is(answered, marker, 'the printed ssh command reaches the failed guest as it was');
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  assert.match(run.stderr, new RegExp(`stop it with Ctrl-C here, or: kill ${run.pid}`));
  assert.equal(await leftovers(run), [], 'once stopped, nothing is left');
});

/** Two guests, the second failing; each can ask for its peer's sshd over the private network. */
const twoFailing = `
name: debug, two guests to look into
image: debian-bookworm
timeout: 5m
guests:
${['server', 'client'].map((guest) => `  ${guest}:
    files:
      /usr/local/bin/peer-banner:
        mode: "0755"
        content: |
          #!/bin/sh
          # the first bytes of the other guest's sshd, over the private network
          for peer in server client; do
            [ "$peer" = "$(hostname)" ] && continue
            timeout 10 bash -c "exec 3<>/dev/tcp/$peer/22 && head -c 7 <&3" && echo " from $peer"
          done
`).join('')}steps:
  - on: server
    run: peer-banner
    expect: {stdout: {contains: "SSH-2.0 from client"}}
  - on: client
    name: the failing step
    run: "false"
`;

test('--keep-on-failure keeps two failed guests on their private network until they are released', async () => {
  const file = await scenarioFile(twoFailing);
  let answer: Promise<string> | undefined;
  const run = await runHarness(['run', file, '--keep-on-failure'], {
    timeoutMs: 420_000,
    whileRunning: (child) => {
      answer = answerFromKeptGuest(child, 'peer-banner', { timeoutMs: 60_000 });
    },
  });
  const answered = await answer;
  assert.match(answered ?? '', /^SSH-2\.0 from (server|client)$/, `a kept guest still reaches the other over their network; it answered: ${answered}\n${run.stdout}`);
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /stop them with Ctrl-C here/);
  assert.equal(await leftovers(run), [], 'once released, no QEMU, switch or temp dir is left');
});

test('--save-failure writes a bundle that harness repro lands in, memory included', async () => {
  const marker = `saved-${Date.now()}`;
  const file = await scenarioFile(failing(marker));
  const reports = await tempDir();
  const run = await runHarness(['run', file, '--save-failure'], { junit: path.join(reports, 'junit.xml') });
  assert.is(run.exitCode, 1, run.stdout + run.stderr);
  const bundle = /land in it with: harness repro (\S+)/.exec(run.stderr)?.[1];
  assert.ok(bundle && existsSync(path.join(bundle, 'bundle.json')), run.stderr);
  assert.match(await readFile(path.join(reports, 'junit.xml'), 'utf8'), /name="failure\.bundle"/);
  assert.equal(await leftovers(run), []);

  const repro = await execa('node', [path.join(REPO_ROOT, 'bin/harness.js'), 'repro', bundle!], {
    input: 'cat /run/failed-here\nexit\n',
    reject: false,
    timeout: 240_000,
  });
  assert.is(repro.exitCode, 0, repro.stdout + repro.stderr);
  assert.match(repro.stdout, new RegExp(marker));
  assert.match(repro.stderr, /restored "debug, a failure to look into" as it failed/);
});

test.run();
