// `harness compare --fail-on-change`: the gate a CI job (and make check's candidate gate)
// needs, exit 1 with compare's own words when an outcome changed, 0 when none did. Without
// it a gate could only ask whether compare ran, not what it found.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareCommand } from '../../harness/compare/command.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/compare');
const OLD = path.join(FIXTURES, 'bookworm.xml');
const NEW = path.join(FIXTURES, 'trixie.xml');

function sink() {
  let text = '';
  return { write: (chunk: string) => (text += chunk), get text() { return text; } };
}

test('--fail-on-change: an outcome that changed is exit 1, and stderr names the step and both outcomes', async () => {
  const out = sink();
  const err = sink();
  assert.is(await compareCommand([OLD, NEW], { failOnChange: true, stdout: out, stderr: err }), 1);
  assert.match(err.text, /harness compare: 1 outcome\(s\) changed/);
  assert.match(err.text, /compare fixture, guest and a service › pam_unix required lets root through/);
  assert.match(err.text, /debian-bookworm \(systemd 252\)\s+passed/);
  assert.match(err.text, /debian-trixie \(systemd 257\)\s+FAILED/);
  assert.match(out.text, /Outcome changed \(1\)/, 'the comparison itself is still written');
});

test('--fail-on-change: the same outcomes on both sides: exit 0, nothing on stderr', async () => {
  const dir = await tempDir();
  const same = path.join(dir, 'trixie-again.xml');
  await copyFile(NEW, same);
  const err = sink();
  assert.is(await compareCommand([NEW, same], { failOnChange: true, stdout: sink(), stderr: err }), 0, err.text);
  assert.not.match(err.text, /changed/);
});

test('without --fail-on-change, compare only reports: exit 0 whatever changed', async () => {
  assert.is(await compareCommand([OLD, NEW], { stdout: sink(), stderr: sink() }), 0);
});

test.run();
