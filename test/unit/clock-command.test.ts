// The first command a restored guest runs (guest-source.ts clockCommand), run here by a
// real bash with a `date` shim on PATH: it sets the clock with one `date -s`, writes the
// random bytes unchanged (every byte value, quotes and % included) and prints the clock.
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clockCommand } from '../../harness/runner/guest-source.js';
import { tempDir } from '../support/harness.js';

test('clockCommand sets the clock once, stirs the bytes as they are, and prints the epoch', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'date'), `#!/bin/sh\necho "$*" >> ${dir}/date.log\n`);
  await chmod(path.join(dir, 'date'), 0o755);
  const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(256)]);
  const pool = path.join(dir, 'pool');
  const command = clockCommand(1_700_000_000_123, bytes).replace('/dev/urandom', pool);
  const before = Math.floor(Date.now() / 1000);
  const { stdout } = await execa('bash', ['-c', command], { env: { PATH: `${dir}:${process.env.PATH}` } });
  assert.equal(await readFile(pool), bytes);
  assert.is(await readFile(path.join(dir, 'date.log'), 'utf8'), '-u -s @1700000000.123\n');
  const printed = Number(stdout.trim());
  assert.ok(printed >= before && printed <= before + 60, `the clock printed: ${stdout}`);
});

test.run();
