// A QEMU that never opens its QMP socket (here a stand-in on PATH that just sleeps) must not
// outlive the start that gave up on it: Machine.boot kills it before it says why.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImageInfo } from '../../harness/vm/image.js';
import { Machine, MachineError } from '../../harness/vm/machine.js';
import { resolveVmSpec } from '../../harness/vm/spec.js';
import { pidIsAlive } from '../../harness/vm/workdir.js';
import { tempDir } from '../support/harness.js';

const bin = await tempDir('qemu-shim-');
const pidFile = path.join(bin, 'qemu.pid');
// QEMU as a hung one looks: running, printing a line, never opening its QMP socket
await writeFile(path.join(bin, 'qemu-system-x86_64'), `#!/bin/sh\necho $$ > ${pidFile}\necho "qemu stand-in: not listening"\nexec sleep 300\n`);
// qemu-img create …  OVERLAY: the overlay is made, empty
await writeFile(path.join(bin, 'qemu-img'), '#!/bin/sh\nfor a; do last=$a; done\n: > "$last"\n');
await chmod(path.join(bin, 'qemu-system-x86_64'), 0o755);
await chmod(path.join(bin, 'qemu-img'), 0o755);

const image = {
  name: 'shim', dir: bin, kernel: path.join(bin, 'kernel'), initrd: path.join(bin, 'initrd'), disk: path.join(bin, 'disk.qcow2'),
  privateKey: '', distro: 'debian', release: 'bookworm', systemdVersion: '252', packages: {}, packageOrigins: {}, kernelCmdline: 'quiet',
  hostKeyFingerprint: 'SHA256:x', user: 'root', vm: { memory: 256, cpus: 1, threads: 1, cpuModel: 'max' },
} satisfies ImageInfo;

test('a QEMU whose QMP socket never answers is killed when the start gives up on it', async () => {
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath}`;
  let pid: number | undefined;
  try {
    const began = Date.now();
    const error = await Machine.boot(resolveVmSpec(image, {}, 'tcg'), { startTimeoutMs: 700 }).then(
      (m) => (void m.stop(), assert.unreachable('the stand-in never answers QMP')),
      (err: unknown) => err,
    );
    pid = Number(await readFile(pidFile, 'utf8'));
    assert.not.ok(pidIsAlive(pid), `the stand-in QEMU (pid ${pid}) still runs`);
    assert.instance(error, MachineError);
    assert.match((error as Error).message, /^QEMU did not answer on its QMP socket \(WaitTimeout: QMP on .*qmp\.sock: not within 700 ms/);
    assert.match((error as Error).message, /it was killed\. It printed: qemu stand-in: not listening$/);
    assert.ok(Date.now() - began < 5000, `took ${Date.now() - began} ms`);
  } finally {
    process.env.PATH = savedPath;
    if (pid && pidIsAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

test.run();
