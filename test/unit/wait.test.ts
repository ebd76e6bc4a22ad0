// Waits keep their bound whatever the probe does: a probe that never answers, a caller that
// gives up, a back-off pause longer than the time left, a QMP socket that accepts and never
// speaks. Each is timed against the deadline it was given.
import net from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Qmp } from '../../harness/vm/qmp.js';
import { giveUp, holds, notYet, waitFor, WaitTimeout } from '../../harness/util/wait.js';
import { tempDir } from '../support/harness.js';

/** Settles `work`, or says it was still running after `ms` (so a red test does not hang). */
async function within<T>(work: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown; tookMs: number }> {
  const began = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    work.then((value) => ({ value }), (error: unknown) => ({ error })),
    new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms))),
  ]);
  clearTimeout(timer);
  if (outcome === 'still running') assert.unreachable(`still waiting after ${ms} ms`);
  return { ...(outcome as object), tookMs: Date.now() - began };
}

test('a probe that never answers ends the wait at its deadline, and is told to let go', async () => {
  let released = false;
  const wait = waitFor('a hung thing', async ({ signal }) => {
    signal.addEventListener('abort', () => (released = true));
    return new Promise<never>(() => {});
  }, { timeoutMs: 300 });
  const { error, tookMs } = await within(wait, 3000);
  assert.instance(error, WaitTimeout);
  assert.match((error as Error).message, /^a hung thing: not within 300 ms \(last: no attempt finished; then an attempt had no answer by the deadline\)$/);
  assert.ok(tookMs >= 280 && tookMs < 1000, `took ${tookMs} ms`);
  assert.ok(released, 'the hung attempt was aborted');
});

test('an abort ends a wait whose probe hangs, with the abort\'s reason, at once', async () => {
  const controller = new AbortController();
  const wait = waitFor('a hung thing', () => new Promise<never>(() => {}), { timeoutMs: 60_000, signal: controller.signal });
  setTimeout(() => controller.abort(new Error('the VM was lost')), 100);
  const { error, tookMs } = await within(wait, 3000);
  assert.is((error as Error).message, 'the VM was lost');
  assert.ok(tookMs < 1000, `took ${tookMs} ms`);
});

test('the pause before the last attempt is cut to the time left: the wait ends at its deadline', async () => {
  let attempts = 0;
  const wait = waitFor('it', async () => (attempts++, notYet('no')), { timeoutMs: 1100, intervalMs: 1000, maxIntervalMs: 1000, factor: 1 });
  const { error, tookMs } = await within(wait, 5000);
  assert.instance(error, WaitTimeout);
  assert.match((error as Error).message, /^it: not within 1\.1 s \(last: no\)$/);
  assert.ok(tookMs >= 1050 && tookMs < 1700, `took ${tookMs} ms (${attempts} attempts)`);
});

test('an attempt that outruns the time left is cut off at the deadline', async () => {
  const slow = () => new Promise<ReturnType<typeof notYet>>((resolve) => setTimeout(() => resolve(notYet('slow no')), 400));
  const { error, tookMs } = await within(waitFor('it', slow, { timeoutMs: 600, intervalMs: 50 }), 5000);
  assert.instance(error, WaitTimeout);
  assert.match((error as Error).message, /last: slow no; then an attempt had no answer by the deadline/);
  assert.ok(tookMs >= 580 && tookMs < 1000, `took ${tookMs} ms`);
});

test('a value once it holds; giveUp ends the wait with its own error; a throw is "not yet"', async () => {
  let n = 0;
  assert.is(await waitFor('it', async () => (++n < 3 ? (n === 1 ? notYet('one') : Promise.reject(new Error('refused'))) : holds('yes')), { timeoutMs: 2000, intervalMs: 10 }), 'yes');
  const given = await within(waitFor('it', async () => giveUp(new Error('host key mismatch')), { timeoutMs: 2000 }), 1000);
  assert.is((given.error as Error).message, 'host key mismatch');
});

test('QMP: a socket that accepts and never greets ends the connect at its deadline, and is closed', async () => {
  const socketPath = path.join(await tempDir('qmp-'), 'qmp.sock');
  const closed: Promise<void>[] = [];
  const server = net.createServer((socket) => {
    closed.push(new Promise((resolve) => socket.on('close', () => resolve())));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    const { error, tookMs } = await within(Qmp.connect(socketPath, 400), 3000);
    assert.instance(error, WaitTimeout);
    assert.match((error as Error).message, /^QMP on .*qmp\.sock: not within 400 ms/);
    assert.ok(tookMs < 1200, `took ${tookMs} ms`);
    assert.is(closed.length, 1, 'one connection, waiting for the greeting');
    await within(closed[0], 1000);
  } finally {
    server.close();
  }
});

test('QMP: a greeting and the capabilities answer make a connection', async () => {
  const socketPath = path.join(await tempDir('qmp-'), 'qmp.sock');
  const server = net.createServer((socket) => {
    socket.write('{"QMP": {"version": {}, "capabilities": []}}\n');
    socket.on('data', () => socket.write('{"return": {}}\n'));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    const { value } = await within(Qmp.connect(socketPath, 2000), 3000);
    assert.instance(value, Qmp);
    value!.close();
  } finally {
    server.close();
  }
});

test.run();
