// One running QEMU guest and everything it owns: its work dir (overlay, serial log,
// QMP socket), the QEMU process and the forwarded SSH port. `stop()` releases all of it,
// and every live machine is known, so an interrupted run can stop them all.
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { qemuArgs } from './qemu-args.js';
import { Qmp } from './qmp.js';
import { SerialConsole, type SerialFatal } from './serial.js';
import type { VmSpec } from './spec.js';
import { makeWorkDir, removeWorkDir } from './workdir.js';

/** The VM could not be started, died, or its guest is lost: an infrastructure error. */
export class MachineError extends Error {
  override name = 'MachineError';
  constructor(message: string, readonly serialTail: string[] = []) {
    super(message);
  }
}

const live = new Set<Machine>();

/** Stops every machine still running (on Ctrl-C, SIGTERM or a fatal error). */
export async function stopAllMachines(): Promise<void> {
  await Promise.all([...live].map((m) => m.stop()));
}

export function liveMachineCount(): number {
  return live.size;
}

// With setpriv --pdeathsig, the kernel kills QEMU if the harness itself is killed
// (even by SIGKILL), so no guest outlives the run that started it.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

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

export interface BootOptions {
  /** How long QEMU may take to come up (QMP answering), not the guest's boot. */
  startTimeoutMs?: number;
}

export class Machine {
  private exitInfo?: string;
  private stopping?: Promise<void>;
  private failureListeners: ((err: MachineError) => void)[] = [];
  /** Rejects when the VM is lost (QEMU exited, kernel panic): race guest work against it. */
  readonly lost: Promise<never>;
  readonly startedAt = Date.now();

  private constructor(
    readonly spec: VmSpec,
    readonly dir: string,
    readonly sshPort: number,
    readonly serial: SerialConsole,
    private readonly process: ResultPromise,
    private readonly qmp: Qmp,
  ) {
    live.add(this);
    this.lost = new Promise<never>((_, reject) => this.failureListeners.push(reject));
    this.lost.catch(() => {}); // observed through races; never an unhandled rejection
    void process.then(async (result) => {
      this.exitInfo = result.signal ? `signal ${result.signal}` : `status ${result.exitCode}`;
      if (this.stopping) return;
      // A panicking guest ends QEMU at once (panic=-1, -no-reboot): read the console's
      // last words first, so the panic is what gets reported, not just the exit.
      await serial.poll();
      this.fail(new MachineError(`QEMU exited unexpectedly (${this.exitInfo})`, serial.tail()));
    });
    // QEMU pauses a guest whose disk write fails for lack of host space (werror=enospc):
    // without this the guest would just go quiet until some deadline.
    qmp.onEvent((event, data) => {
      if (event !== 'BLOCK_IO_ERROR') return;
      const reason = data.nospace ? `the host disk holding ${dir} is full` : `disk I/O error (${String(data.reason ?? data.action ?? 'unknown')})`;
      this.fail(new MachineError(`the guest's disk stopped: ${reason}`, serial.tail()));
    });
    serial.onFatal((fatal: SerialFatal) =>
      this.fail(new MachineError(`${fatal.what} on the serial console:\n${fatal.lines.join('\n')}`, fatal.lines)),
    );
  }

  /** Boots a fresh copy-on-write overlay of the spec's image. */
  static async boot(spec: VmSpec, options: BootOptions = {}): Promise<Machine> {
    const dir = await makeWorkDir();
    try {
      const overlay = path.join(dir, 'overlay.qcow2');
      await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', spec.image.disk, overlay]);
      return await Machine.launch(spec, dir, overlay, options.startTimeoutMs ?? 15_000);
    } catch (err) {
      await removeWorkDir(dir);
      throw err instanceof MachineError ? err : new MachineError(`could not start QEMU: ${(err as Error).message}`);
    }
  }

  private static async launch(spec: VmSpec, dir: string, overlay: string, timeoutMs: number): Promise<Machine> {
    // A free port can be taken between our probe and QEMU's bind; QEMU then refuses
    // the forwarding rule and exits, and we try another port.
    for (let attempt = 1; ; attempt++) {
      const sshPort = await freeLoopbackPort();
      const serialLog = path.join(dir, 'serial.log');
      const qmpSocket = path.join(dir, 'qmp.sock');
      const args = qemuArgs(spec, { overlay, serialLog, qmpSocket, sshPort });
      const [command, argv] = SETPRIV
        ? [SETPRIV, ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args]]
        : ['qemu-system-x86_64', args];
      // detached: its own process group, so a Ctrl-C reaches the harness, which stops it in order.
      const child = execa(command, argv, { reject: false, stdin: 'ignore', detached: true, all: true, buffer: true });
      const exited = child.then((r) => r);
      const qmp = await Promise.race([Qmp.connect(qmpSocket, timeoutMs), exited]);
      if (qmp instanceof Qmp) {
        const serial = new SerialConsole(serialLog);
        serial.start();
        return new Machine(spec, dir, sshPort, serial, child, qmp);
      }
      const output = String(qmp.all ?? '').trim();
      if (/host forwarding rule|Address already in use/i.test(output) && attempt < 5) continue;
      throw new MachineError(`QEMU exited at start (status ${qmp.exitCode}): ${output || 'no output'}`);
    }
  }

  get serialLogPath(): string {
    return this.serial.path;
  }

  /** QEMU's own view of the guest: running, paused, shutdown, … */
  async status(): Promise<string> {
    const reply = (await this.qmp.execute('query-status')) as { status: string };
    return reply.status;
  }

  /** Ends QEMU (politely, then by force) and removes the work dir. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** Kills QEMU as a crash would (for fault-injection tests). */
  killForTest(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.process.kill(signal);
  }

  private async doStop(): Promise<void> {
    this.qmp.close();
    if (this.exitInfo === undefined) {
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 3000);
      await this.process.catch(() => {});
      clearTimeout(timer);
    }
    await this.serial.stop();
    await removeWorkDir(this.dir);
    live.delete(this);
  }

  /** Why the VM was lost, waiting briefly: a dropped SSH connection is usually QEMU dying
   *  a moment earlier, and that is the story worth telling. */
  async lostReason(waitMs = 1000): Promise<MachineError | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      this.lost.catch((err: MachineError) => err),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), waitMs);
      }),
    ]);
    clearTimeout(timer);
    return result;
  }

  private fail(err: MachineError): void {
    for (const listener of this.failureListeners.splice(0)) listener(err);
  }
}
