// --save-failure after the scenario's time-out: the save has a bound of its own (the
// scenario's has run out), so the bundle is written whole, or not at all; and with
// --keep-on-failure the kept guest is running, not left paused by the save. (The guest
// comes from the snapshot cache: a restore takes seconds, the sleep runs into the time-out.)
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerFromKeptGuest, leftovers, runHarness, scenarioFile, tempDir } from '../support/harness.js';

test('a scenario that times out is saved whole, and its kept guest answers', async () => {
  const marker = `timed-out-${Date.now()}`;
  const file = await scenarioFile(`
name: debug, a time-out to look into
image: debian-bookworm
timeout: 45s
steps:
  - run: echo ${marker} > /run/failed-here
  - name: the step the time-out ends
    run: sleep 600
`);
  const reports = await tempDir();
  let answer: Promise<string> | undefined;
  const run = await runHarness(['run', file, '--save-failure', '--keep-on-failure'], {
    junit: path.join(reports, 'junit.xml'),
    timeoutMs: 600_000,
    whileRunning: (child) => {
      answer = answerFromKeptGuest(child, 'cat /run/failed-here', { sshOptions: '-o ConnectTimeout=20', timeoutMs: 60_000 });
    },
  });
  const answered = await answer;
  const junit = await readFile(run.junit, 'utf8');
  assert.match(junit, /exceeded its timeout of 45s|command timed out/, `the scenario ran out of time\n${run.stderr}`);
  assert.is(answered, marker, `the kept guest is running and answers\n${run.stderr}`);
  const bundle = /land in it with: harness repro (\S+)/.exec(run.stderr)?.[1];
  assert.ok(bundle, `the save had time of its own and succeeded\n${run.stderr}`);
  assert.ok(existsSync(path.join(bundle!, 'bundle.json')), 'the bundle is whole');
  assert.equal((await readdir(bundle!)).sort(), ['bundle.json', 'disk.qcow2', 'memory.state']);
  assert.equal(await leftovers(run), [], 'once stopped, nothing is left');
});

test.run();
