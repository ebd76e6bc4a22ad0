// `harness list | head`: the reader goes away early. The real CLI, spawned as a shell
// would, must end quietly: no stack trace, and the status of the command itself.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../support/harness.js';

const BIN = path.join(REPO_ROOT, 'bin/harness.js');

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the CLI with the read end of its stdout closed before it writes anything, so the
 *  first write meets EPIPE every time (no race with how fast the output goes). */
function runWithStdoutClosed(args: string[]): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test('list into a closed pipe ends with status 0 and says nothing', async () => {
  const ended = await runWithStdoutClosed(['list', 'scenarios']);
  assert.is(ended.stderr, '');
  assert.is(ended.signal, null);
  assert.is(ended.code, 0);
});

test('list --json into a closed pipe ends with status 0 and says nothing', async () => {
  const ended = await runWithStdoutClosed(['list', 'scenarios', '--json']);
  assert.is(ended.stderr, '');
  assert.is(ended.code, 0);
});

test('an invalid scenario still exits 2 when stdout is closed: the status is the command\'s own', async () => {
  const ended = await runWithStdoutClosed(['validate', 'test/fixtures/invalid/missing-name.yaml']);
  assert.is(ended.code, 2);
  assert.match(ended.stderr, /missing-name\.yaml:\d+:\d+/);
  assert.not.match(ended.stderr, /EPIPE|at .*\.js:\d+/);
});

test('`list | head -n 1` in a shell with pipefail: one line, status 0', async () => {
  const result = await new Promise<Ended & { stdout: string }>((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${BIN}" list scenarios | head -n 1`], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout }));
  });
  assert.is(result.stderr, '');
  assert.is(result.stdout.split('\n').filter(Boolean).length, 1);
  assert.is(result.code, 0);
});

test.run();
