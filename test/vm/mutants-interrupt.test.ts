// `harness mutants` under Ctrl-C or SIGTERM: the whole catalogue ends, not only the mutant at
// hand (before, each signal only ended the current mutant's run and the next one started),
// the report says it was interrupted and stays valid, and no QEMU outlives the command.
import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { leftovers, printed, runHarness, scenarioFile, validateJUnit } from '../support/harness.js';

test('SIGTERM during a guest-side mutant ends the catalogue: exit 143, an interrupted report, no VM left', async () => {
  const file = await scenarioFile(`
name: mutants, interrupted
image: debian-bookworm
steps:
  - name: long enough to be interrupted under a mutant
    run: sleep 30
`);
  const run = await runHarness(['mutants', file, '--side', 'guest', '--only', 'private-devices-off,private-tmp-off'], {
    detached: true,
    timeoutMs: 600_000,
    whileRunning: (child) => void printed(child, /guest-side mutant private-devices-off/).then(() => setTimeout(() => process.kill(-child.pid!, 'SIGTERM'), 3000)),
  });
  assert.is(run.exitCode, 143, run.stdout + run.stderr);
  assert.match(run.stderr, /SIGTERM: interrupted after 0 mutant\(s\); the rest were not run/);
  assert.not.match(run.stderr, /guest-side mutant private-tmp-off/, 'no mutant starts after the signal');
  const validation = await validateJUnit(run.junit);
  assert.ok(validation.ok, validation.output);
  assert.match(await readFile(run.junit, 'utf8'), /interrupted/);
  assert.equal(await leftovers(run), []);
});

test.run();
