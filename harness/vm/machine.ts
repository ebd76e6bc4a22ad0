// One running QEMU guest and everything it owns: its work dir (overlay, serial log,
// QMP socket), the QEMU process and the forwarded SSH port. `stop()` releases all of it,
// and every live machine is known, so an interrupted run can stop them all.
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { shellQuote } from '../util/quote.js';
import { pressPaced } from './keys.js';
import type { Qmp } from './qmp.js';
import { killQemu, QemuStartError, startQemu } from './qemu-process.js';
import { SerialConsole, type SerialFatal } from './serial.js';
import type { VmSpec } from './spec.js';
import { makeWorkDir, removeWorkDir } from './workdir.js';
import { GuestFatal, MachineError, qemuExited, RestoreError } from './machine-errors.js';
import { giveUp, holds, notYet, waitFor } from '../util/wait.js';
import { ResetWindow } from './reset-window.js';

export { GuestFatal, MachineError, qemuExited, RestoreError };

const live = new Set<Machine>();

/** Stops every machine still running (on Ctrl-C, SIGTERM or a fatal error). */
export const stopAllMachines = async (): Promise<void> => void (await Promise.all([...live].map((m) => m.stop())));

export interface BootOptions {
  /** How long QEMU may take to come up (QMP answering), not the guest's boot. */
  startTimeoutMs?: number;
  /** Where the copy-on-write overlay goes, for a caller that keeps it (a snapshot being
   *  made); by default it lives and dies with the machine's work dir. */
  overlay?: string;
}

/** A saved guest: the frozen disk layer and the memory and device state that go with it. */
export interface SavedState {
  disk: string;
  memory: string;
}

const RESTORE_TIMEOUT_MS = 60_000;
const SAVE_TIMEOUT_MS = 120_000;

export class Machine {
  private exitInfo?: string;
  private stopping?: Promise<void>;
  private failureListeners: ((err: MachineError) => void)[] = [];
  /** The reboot under way, if any: resets are let through while it is open. */
  private resetWindow?: ResetWindow;
  /** Rejects when the VM is lost (QEMU exited, kernel panic): race guest work against it. */
  readonly lost: Promise<never>;
  /** Rejects when the VM is lost or stopped: a wait on its guest that outlives the scenario
   *  (a reconnection under way when the timeout struck) ends with the VM, not its own bound. */
  readonly gone: Promise<never>;
  private readonly ended = new AbortController();
  readonly startedAt = Date.now();

  private constructor(
    readonly spec: VmSpec,
    readonly dir: string,
    readonly sshPort: number,
    readonly serial: SerialConsole,
    private readonly process: ResultPromise,
    private readonly qmp: Qmp,
    private readonly exited: Promise<{ all?: unknown }>,
    /** QEMU's process id (setpriv execs it): how the private network's switch knows it. */
    readonly pid?: number,
  ) {
    live.add(this);
    this.lost = new Promise<never>((_, reject) => this.failureListeners.push(reject));
    this.lost.catch(() => {}); // observed through races; never an unhandled rejection
    this.gone = new Promise<never>((_, reject) => this.ended.signal.addEventListener('abort', () => reject(this.ended.signal.reason)));
    this.gone.catch(() => {});
    void process.then(async (result) => {
      this.exitInfo = result.signal ? `signal ${result.signal}` : `status ${result.exitCode}`;
      if (this.stopping) return;
      // A panicking guest ends QEMU at once (panic=-1, -no-reboot): read the console's
      // last words first, so the panic is what gets reported, not just the exit.
      await serial.poll();
      const err = qemuExited({ exitCode: result.exitCode, signal: result.signal }, serial.tail());
      if (this.resetWindow?.isOpen) err.message += ", while a step's reboot was under way (resets let through)";
      this.fail(err);
    });
    // QEMU pauses a guest whose disk write fails for lack of host space (werror=enospc):
    // without this the guest would just go quiet until some deadline.
    qmp.onEvent((event, data) => {
      if (event !== 'BLOCK_IO_ERROR') return;
      const reason = data.nospace ? `the host disk holding ${dir} is full` : `disk I/O error (${String(data.reason ?? data.action ?? 'unknown')})`;
      this.fail(new MachineError(`the guest's disk stopped: ${reason}`, serial.tail()));
    });
    serial.onFatal((fatal: SerialFatal) =>
      this.fail(new GuestFatal(`${fatal.what} on the serial console:\n${fatal.lines.join('\n')}`, fatal.lines)),
    );
  }

  /** Boots a fresh copy-on-write overlay of the spec's image. */
  static async boot(spec: VmSpec, options: BootOptions = {}): Promise<Machine> {
    return Machine.start(spec, spec.image.disk, options);
  }

  /**
   * Starts a guest where a saved one stopped: a fresh overlay on the saved disk layer,
   * the saved memory loaded by QEMU (-incoming), then resumed. Throws RestoreError when
   * QEMU cannot load the state.
   */
  static async restore(spec: VmSpec, saved: SavedState, options: BootOptions = {}): Promise<Machine> {
    const machine = await Machine.start(spec, saved.disk, options, saved.memory);
    try {
      // The state was saved paused, so it loads paused: resume it once loading is over.
      const status = await Promise.race([
        waitFor(
          'the saved state to load',
          async () => {
            const now = await machine.status();
            return now === 'inmigrate' ? notYet(now) : holds(now);
          },
          { timeoutMs: RESTORE_TIMEOUT_MS, intervalMs: 20, maxIntervalMs: 100 },
        ),
        machine.lost,
      ]);
      if (status !== 'paused' && status !== 'running') throw new RestoreError(`QEMU left the saved state ${status}, not paused`);
      if (status === 'paused') await machine.qmp.execute('cont');
      return machine;
    } catch (err) {
      const output = await machine.stopAndReadOutput();
      const why = output || (err as Error).message;
      throw new RestoreError(`QEMU could not load the saved state ${saved.memory}: ${why}`);
    }
  }

  private static async start(spec: VmSpec, backing: string, options: BootOptions, incoming?: string): Promise<Machine> {
    const dir = await makeWorkDir();
    try {
      const overlay = options.overlay ?? path.join(dir, 'overlay.qcow2');
      await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', backing, overlay]);
      return await Machine.launch(spec, dir, overlay, options.startTimeoutMs ?? 15_000, incoming);
    } catch (err) {
      await removeWorkDir(dir);
      throw err instanceof MachineError ? err : new MachineError(`could not start QEMU: ${(err as Error).message}`);
    }
  }

  /**
   * Pauses the guest and writes its memory and device state to `file`, for `restore`.
   * The guest stays paused: its disk layer now belongs with the state and must not change.
   */
  async saveState(file: string, timeoutMs = SAVE_TIMEOUT_MS): Promise<void> {
    await this.qmp.execute('stop');
    // The default bandwidth cap is for live migration over a network; a file takes all it can.
    await this.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 64 * 1024 ** 3 });
    await this.qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(file)}` });
    const written = waitFor(
      `the guest's state to be written to ${file}`,
      async () => {
        const info = (await this.qmp.execute('query-migrate')) as { status?: string; 'error-desc'?: string };
        if (info.status === 'completed') return holds(undefined);
        if (info.status === 'failed' || info.status === 'cancelled') giveUp(new MachineError(`writing the guest's state to ${file} failed: ${info['error-desc'] ?? info.status}`));
        return notYet(info.status ?? 'no status');
      },
      { timeoutMs, intervalMs: 50, maxIntervalMs: 250 },
    );
    // a migration given up on must not go on writing into a file the caller removes
    await Promise.race([written, this.lost]).catch(async (err: unknown) => {
      await this.qmp.execute('migrate_cancel').catch(() => {});
      throw err;
    });
  }

  private static async launch(spec: VmSpec, dir: string, overlay: string, timeoutMs: number, incoming?: string): Promise<Machine> {
    const qemu = await startQemu(spec, dir, overlay, timeoutMs, incoming).catch((err: Error) => {
      if (!(err instanceof QemuStartError)) throw err;
      // A saved state QEMU refuses at once ("Not a migration stream") ends it before QMP is up.
      throw incoming ? new RestoreError(`QEMU could not load the saved state ${incoming}: ${err.message}`) : new MachineError(err.message);
    });
    try {
      const serial = new SerialConsole(qemu.serialLog);
      serial.start();
      return new Machine(spec, dir, qemu.sshPort, serial, qemu.child, qemu.qmp, qemu.exited, qemu.child.pid);
    } catch (err) {
      qemu.qmp.close();
      await killQemu(qemu.child);
      throw err;
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

  /** Leaves this machine out of stopAllMachines: a person is looking into it, and the
   *  caller stops it when they are done (QEMU still dies with the harness). */
  keepRunning(): void {
    live.delete(this);
  }

  /** Resumes a guest paused by saveState. */
  async resume(): Promise<void> {
    await this.qmp.execute('cont');
  }

  /**
   * Lets the guest reboot (reset-window.ts): `ask` asks it (rejecting when it refused); this
   * resolves once QEMU has reset the guest, resets still let through until the window closes.
   */
  async rebootGuest(what: string, ask: () => Promise<void>, timeoutMs: number): Promise<ResetWindow> {
    const onLoop = (message: string) => this.fail(new MachineError(message, this.serial.tail()));
    this.resetWindow = await ResetWindow.open({ qmp: this.qmp, signal: this.ended.signal, onLoop }, what, ask, timeoutMs);
    return this.resetWindow;
  }

  /** Presses each combination of QEMU key names in turn on the guest's keyboard, paced (keys.ts). */
  pressKeys(combinations: string[][]): Promise<void> {
    return pressPaced(combinations, (events) => this.qmp.execute('input-send-event', { events: events.map(({ key, down }) => ({ type: 'key', data: { down, key: { type: 'qcode', data: key } } })) }));
  }

  /** Kills QEMU as a crash would (for fault-injection tests). */
  killForTest(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.process.kill(signal);
  }

  /** Stops QEMU and returns what it printed (its reason for refusing a saved state). */
  private async stopAndReadOutput(): Promise<string> {
    await this.stop();
    const result = await this.exited.catch(() => ({ all: '' }));
    return String(result.all ?? '').trim();
  }

  private async doStop(): Promise<void> {
    this.ended.abort(new MachineError('the VM was stopped', [], 'harness'));
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
    this.ended.abort(err);
    for (const listener of this.failureListeners.splice(0)) listener(err);
  }
}

