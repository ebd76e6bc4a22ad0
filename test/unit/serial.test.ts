import { appendFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logText, SerialConsole, type SerialFatal } from '../../harness/vm/serial.js';
import { tempDir } from '../support/harness.js';

async function consoleWith(text: string) {
  const dir = await tempDir('harness-test-');
  const file = path.join(dir, 'serial.log');
  await writeFile(file, text);
  const serial = new SerialConsole(file);
  const fatals: SerialFatal[] = [];
  serial.onFatal((f) => fatals.push(f));
  await serial.poll();
  return { serial, fatals, file, cleanup: () => rm(dir, { recursive: true }) };
}

test('a kernel panic is noticed and quoted with the lines after it', async () => {
  const { serial, fatals, file, cleanup } = await consoleWith('[ 1.0] booting\r\n[ 2.0] Kernel panic - not syncing: VFS: Unable to mount root fs\r\n');
  await appendFile(file, '[ 2.1] CPU: 0 PID: 1\n[ 2.2] Call Trace:\n');
  await serial.poll();
  assert.is(fatals.length, 1);
  assert.is(fatals[0].what, 'kernel panic');
  assert.ok(fatals[0].lines.some((l) => l.includes('Unable to mount root fs')));
  assert.ok(fatals[0].lines.some((l) => l.includes('Call Trace')), 'the trace that follows is part of the quote');
  await serial.stop();
  await cleanup();
});

test('initramfs giving up on the root device is fatal', async () => {
  const { fatals, serial, cleanup } = await consoleWith('Gave up waiting for root file system device.  Common problems:\n');
  assert.is(fatals[0]?.what, 'initramfs gave up waiting for the root device');
  await serial.stop();
  await cleanup();
});

test('an ordinary boot is not fatal, and the tail keeps the newest lines', async () => {
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') + '\npartial';
  const { serial, fatals, cleanup } = await consoleWith(lines);
  assert.is(fatals.length, 0);
  assert.equal(serial.tail(3), ['line 48', 'line 49', 'partial']);
  await serial.stop();
  await cleanup();
});

test('readBytes gives what came after an offset, and where the log ends now (screen: serial)', async () => {
  const file = path.join(await tempDir(), 'serial.log');
  const serial = new SerialConsole(file);
  const read = async (from: number) => {
    const { bytes, end } = await serial.readBytes(from);
    return { text: logText(bytes), end };
  };
  assert.equal(await read(0), { text: '', end: 0 }, 'no log yet: nothing, from where it was');
  await writeFile(file, 'boot line\r\n');
  const first = await read(0);
  assert.equal(first, { text: 'boot line\n', end: 11 });
  await appendFile(file, 'login: ');
  assert.equal(await read(first.end), { text: 'login: ', end: 18 });
  assert.is(serial.size(), 18);
});

test.run();
