// Starting the QEMU process of a machine: a free loopback port for SSH, the command line,
// the process (dying with the harness, dying-with-us.ts), and its QMP connection. Until the connection is
// made nobody else knows the process, so every way of failing here kills it: a QEMU whose
// QMP socket never answers must not outlive the run that started it.
import net from 'node:net';
import path from 'node:path';
import { execa, type Result, type ResultPromise } from 'execa';
import { dyingWithUs } from './dying-with-us.js';
import { qemuArgs } from './qemu-args.js';
import { Qmp } from './qmp.js';
import type { VmSpec } from './spec.js';
import { describeError } from '../util/errors.js';

/** Raised when QEMU could not be started; machine.ts turns it into its MachineError. */
export class QemuStartError extends Error {
  override name = 'QemuStartError';
}

export interface StartedQemu {
  child: ResultPromise;
  exited: Promise<Result>;
  qmp: Qmp;
  sshPort: number;
  serialLog: string;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Ends a QEMU nobody will use, and waits until it is gone; returns what it printed. */
export async function killQemu(child: ResultPromise): Promise<string> {
  child.kill('SIGKILL');
  const result = await child.catch((err: Result) => err);
  return String(result.all ?? '').trim();
}

/** QEMU running in `dir` with its QMP connection made; on any failure, no QEMU is left. */
export async function startQemu(spec: VmSpec, dir: string, overlay: string, timeoutMs: number, incoming?: string): Promise<StartedQemu> {
  // A free port can be taken between our probe and QEMU's bind; QEMU then refuses
  // the forwarding rule and exits, and we try another port.
  for (let attempt = 1; ; attempt++) {
    const sshPort = await freeLoopbackPort();
    const serialLog = path.join(dir, 'serial.log');
    const qmpSocket = path.join(dir, 'qmp.sock');
    const args = qemuArgs(spec, { overlay, serialLog, qmpSocket, sshPort, incoming });
    const [command, argv] = dyingWithUs('qemu-system-x86_64', args);
    // detached: its own process group, so a Ctrl-C reaches the harness, which stops it in order.
    const child = execa(command, argv, { reject: false, stdin: 'ignore', detached: true, all: true, buffer: true });
    const exited = child.then((r) => r);
    const connecting = new AbortController();
    let answer: Qmp | Result;
    try {
      answer = await Promise.race([Qmp.connect(qmpSocket, timeoutMs, connecting.signal), exited]);
    } catch (err) {
      const output = await killQemu(child);
      throw new QemuStartError(`QEMU did not answer on its QMP socket (${describeError(err)}); it was killed${output ? `. It printed: ${output}` : ''}`);
    } finally {
      connecting.abort(new Error('QEMU exited'));
    }
    if (answer instanceof Qmp) return { child, exited, qmp: answer, sshPort, serialLog };
    const output = String(answer.all ?? '').trim();
    if (/host forwarding rule|Address already in use/i.test(output) && attempt < 5) continue;
    throw new QemuStartError(`QEMU exited at start (status ${answer.exitCode}): ${output || 'no output'}`);
  }
}
