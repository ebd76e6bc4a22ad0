// A batch's script, run by a real bash on this machine (the same script a guest runs):
// outputs come back per operation, files arrive byte for byte with their mode, and the
// first failing operation stops the rest and is named with its own stderr.
import { chmod, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Batch, BatchError, type Shell } from '../../harness/guest/batch.js';
import type { ExecOptions } from '../../harness/guest/guest.js';
import { tempDir } from '../support/harness.js';

/** What the guest does with a command, done here: the login shell's -c, stdin piped in. */
const local: Shell = {
  async exec(command: string, options: ExecOptions = {}) {
    const started = Date.now();
    const r = await execa('bash', ['-c', command], { input: options.stdin, reject: false, stripFinalNewline: false });
    return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr, durationMs: Date.now() - started };
  },
};

const dir = await tempDir('batch-test-');
await chmod(dir, 0o755);

test('each operation\'s stdout comes back on its own, in order, one command for all', async () => {
  let commands = 0;
  const counting: Shell = { exec: (c, o) => (commands++, local.exec(c, o)) };
  const outputs = await new Batch().add('a', 'echo one; echo two').add('b', 'printf "no newline"').add('c', 'true').run(counting, 10_000);
  assert.equal(outputs, ['one\ntwo\n', 'no newline', '']);
  assert.is(commands, 1);
});

test('files arrive byte for byte, folders made, mode set', async () => {
  const bytes = Buffer.from([0, 1, 2, 0x1e, 255, 10, 39, 34, 36, 96, 92]);
  const text = "it's $(not run) `either`\nHARNESS_EOF\n" + 'x'.repeat(300);
  const binary = path.join(dir, 'deep/er/bytes');
  const plain = path.join(dir, 'with space', 'text');
  await new Batch().writeFile('files.bytes', binary, bytes, { mode: '0600' }).writeFile('files.text', plain, text).writeFile('files.empty', path.join(dir, 'empty'), '').run(local, 10_000);
  assert.equal(await readFile(binary), bytes);
  assert.is(await readFile(plain, 'utf8'), text);
  assert.is(await readFile(path.join(dir, 'empty'), 'utf8'), '');
  assert.is((await stat(binary)).mode & 0o777, 0o600);
});

test('the first failing operation stops the batch and is named with its own stderr', async () => {
  const marker = path.join(dir, 'after-failure');
  try {
    await new Batch()
      .add('first', 'echo fine >&2')
      .add('sysctl.kernel.nope', 'echo "sysctl: cannot stat /proc/sys/kernel/nope" >&2; exit 255')
      .add('later', `touch ${marker}`)
      .run(local, 10_000);
    assert.unreachable('the batch should have failed');
  } catch (err) {
    assert.instance(err, BatchError);
    assert.is((err as BatchError).at, 'sysctl.kernel.nope');
    assert.is((err as Error).message, 'sysctl.kernel.nope: sysctl: cannot stat /proc/sys/kernel/nope');
  }
  assert.is(await stat(marker).catch(() => undefined), undefined, 'no operation after the failing one runs');
});

/** The batch's error, or a failure of the test when it succeeded. */
async function batchError(batch: Batch, shell: Shell = local, timeoutMs = 10_000): Promise<BatchError> {
  try {
    await batch.run(shell, timeoutMs);
  } catch (err) {
    assert.instance(err, BatchError);
    return err as BatchError;
  }
  assert.unreachable('the batch should have failed');
  throw new Error('unreachable');
}

test('contract: an operation runs under set -euo pipefail; its first failing command ends it and the batch', async () => {
  const marker = path.join(dir, 'after-errexit');
  const failed = await batchError(new Batch().add('first', `false; echo "not reached" >&2; touch ${marker}`).add('second', `touch ${marker}`));
  assert.is(failed.at, 'first');
  assert.is(failed.message, 'first: no output (status 1)');
  assert.is(await stat(marker).catch(() => undefined), undefined, 'nothing after the failing command runs, in the operation or after it');

  const piped = await batchError(new Batch().add('pipe', 'echo "grep: bad pattern" >&2; false | cat; echo done'));
  assert.is(piped.message, 'pipe: grep: bad pattern', 'a pipeline fails when any part does');

  const unset = await batchError(new Batch().add('unset', 'echo "$nowhere_set"'));
  assert.match(unset.message, /^unset: .*nowhere_set: unbound variable$/);

  const shared = await batchError(new Batch().add('a', 'x=1', { shared: true }).add('b', 'echo "cannot" >&2; false; x=2', { shared: true }).add('c', 'true'));
  assert.is(shared.at, 'b', 'an operation in the batch\'s own shell is held to it too');
  assert.is(shared.message, 'b: cannot');

  // what bash exempts stays exempt: a tested command, one before the last of a list, `|| true`
  const outputs = await new Batch().add('tested', 'if false; then :; fi; false && echo no; false || true; echo ok').run(local, 10_000);
  assert.equal(outputs, ['ok\n']);
});

test('a batch killed at its time-out (its process group, SIGKILL) leaves no script file behind', async () => {
  const tmp = await tempDir('batch-tmp-');
  // as Guest.exec does: the command in a process group of its own, killed whole at the bound
  const killing: Shell = {
    async exec(command: string, options: ExecOptions = {}) {
      const child = execa('bash', ['-c', command], { input: options.stdin, reject: false, detached: true, env: { TMPDIR: tmp } });
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), options.timeoutMs);
      const r = await child;
      clearTimeout(timer);
      return { exitCode: r.exitCode ?? 137, stdout: r.stdout, stderr: r.stderr, durationMs: 0 };
    },
  };
  // more than one pipe buffer of script, and an operation that outlives the bound
  const failed = await batchError(new Batch().add('hangs', `# ${'x'.repeat(200_000)}\ntouch "$TMPDIR/started"; sleep 30`), killing, 1500);
  assert.is(failed.at, 'hangs');
  assert.equal(await readdir(tmp), ['started'], 'the operation ran; no script file is left in TMPDIR');
});

test('an empty batch sends nothing', async () => {
  const refusing: Shell = { exec: () => Promise.reject(new Error('sent a command')) };
  assert.equal(await new Batch().run(refusing, 1000), []);
});

test.run();
