// A TMPDIR with a comma in it: QEMU reads a comma inside an option list as the next option,
// so the work dir's overlay, serial log and QMP socket must reach it escaped. A real QEMU on
// the real image, up to its QMP answering (the guest need not boot for this).
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadImage } from '../../harness/vm/image.js';
import { Machine } from '../../harness/vm/machine.js';
import { resolveVmSpec } from '../../harness/vm/spec.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

test('QEMU starts, and stops, with its work dir under a TMPDIR containing commas', async () => {
  const image = await loadImage(path.join(REPO_ROOT, 'images/out'), 'debian-bookworm');
  const odd = path.join(await tempDir('comma-'), 'a,b,,c');
  await mkdir(odd);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = odd;
  try {
    const machine = await Machine.boot(resolveVmSpec(image, { memory: 256 }, 'tcg'), { startTimeoutMs: 30_000 });
    assert.ok(machine.dir.startsWith(odd + '/'), machine.dir);
    assert.is(await machine.status(), 'running');
    assert.ok((await readdir(machine.dir)).includes('serial.log'), 'the serial log is where the harness reads it');
    await machine.stop();
    assert.equal(await readdir(odd), [], 'the work dir is gone');
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
});

test.run();
