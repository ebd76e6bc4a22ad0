// A reboot's reset window (vm/reset-window.ts) against a stand-in QMP: resets stay let
// through after the first RESET, until the window closes (a firmware's late reset request
// must not end QEMU), and a guest that keeps resetting is a loop, said so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Qmp } from '../../harness/vm/qmp.js';
import { MAX_RESETS, ResetWindow } from '../../harness/vm/reset-window.js';

/** A QMP that records what it was told and lets the test raise events. */
function fakeQmp() {
  const commands: string[] = [];
  let listeners: ((event: string, data: Record<string, unknown>) => void)[] = [];
  const qmp = {
    execute: async (command: string, args?: Record<string, unknown>) => {
      commands.push(`${command} ${JSON.stringify(args ?? {})}`);
      return {};
    },
    onEvent: (listener: (event: string, data: Record<string, unknown>) => void) => {
      listeners.push(listener);
      return () => (listeners = listeners.filter((l) => l !== listener));
    },
  };
  return { qmp: qmp as unknown as Qmp, commands, emit: (event: string) => listeners.forEach((l) => l(event, {})) };
}

test('resets stay let through after the first one, until the window closes', async () => {
  const { qmp, commands, emit } = fakeQmp();
  const loops: string[] = [];
  const window = await ResetWindow.open({ qmp, signal: new AbortController().signal, onLoop: (m) => loops.push(m) }, 'a test', async () => {
    setTimeout(() => emit('RESET'), 10);
  }, 5000);
  assert.equal(commands, ['set-action {"reboot":"reset"}'], 'still letting resets through when the first RESET is in');
  emit('RESET'); // the firmware's own, later
  emit('RESET');
  assert.equal(commands, ['set-action {"reboot":"reset"}']);
  assert.is(await window.close(), 3);
  assert.equal(commands, ['set-action {"reboot":"reset"}', 'set-action {"reboot":"shutdown"}']);
  assert.is(await window.close(), 3, 'closing twice is closing once');
  assert.is(commands.length, 2);
  assert.equal(loops, []);
});

test(`more than ${MAX_RESETS} resets before the guest is back are a reset loop, reported once`, async () => {
  const { qmp, emit } = fakeQmp();
  const loops: string[] = [];
  const window = await ResetWindow.open({ qmp, signal: new AbortController().signal, onLoop: (m) => loops.push(m) }, 'a test', async () => emit('RESET'), 5000);
  for (let i = 0; i < MAX_RESETS + 3; i++) emit('RESET');
  assert.equal(loops, [`the guest reset ${MAX_RESETS + 1} times while rebooting without coming back: a reset loop (a panic as it boots?)`]);
  await window.close();
});

test('a guest that refuses to reboot: the refusal, and resets end QEMU again', async () => {
  const { qmp, commands } = fakeQmp();
  const refusal = new Error('`systemctl reboot` exited 1');
  const opened = ResetWindow.open({ qmp, signal: new AbortController().signal, onLoop: () => {} }, 'a test', () => Promise.reject(refusal), 5000);
  await opened.then(
    () => assert.unreachable('it opened'),
    (err: Error) => assert.is(err, refusal),
  );
  assert.equal(commands, ['set-action {"reboot":"reset"}', 'set-action {"reboot":"shutdown"}']);
});

test.run();
