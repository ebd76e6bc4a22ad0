// One SSH connection to a guest, many exec channels over it. The guest is ready when the
// SSH handshake completes with the host key recorded for the image: slirp's forwarded
// port accepts TCP connections long before the guest's sshd exists, so an open port says nothing.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Client, type ClientChannel } from 'ssh2';
import { FaultError, type Fault } from '../util/fault.js';
import { shellQuote } from '../util/quote.js';
import { giveUp, holds, waitFor, WaitTimeout } from '../util/wait.js';
import { trace } from '../util/trace.js';

/** The guest cannot be reached (the host's fault at a first connection), the connection
 *  dropped under a command (the guest's: its sshd or network went away), or a command ran
 *  out of its time or exited non-zero where it must not (the harness's). */
export class GuestError extends FaultError {
  override name = 'GuestError';
  constructor(message: string, fault: Fault) {
    super(message, fault);
  }
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface ExecOptions {
  /** Run as this user (via runuser) instead of the login user. */
  user?: string;
  /** Bytes for the command's standard input. */
  stdin?: string | Buffer;
  timeoutMs?: number;
}

export interface ConnectOptions {
  host?: string;
  port: number;
  user: string;
  privateKeyPath: string;
  /** "SHA256:base64" as `ssh-keygen -l` prints it. */
  hostKeyFingerprint: string;
  /** Give up after this long (a boot under TCG takes ~20 s). */
  deadlineMs: number;
  /** Rejects when the VM is lost: stop retrying at once and say why. */
  lost?: Promise<never>;
  /** Whose fault a guest that never answers is: the host's for a first connection (the
   *  default: a boot under load), the guest's after a reboot it was asked for. */
  unreachable?: Fault;
}

const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
// How long the harness gives the guest to kill a command that ran out of time.
const KILL_MS = 5000;
// A command runs as `ssh guest COMMAND` runs it: sshd hands it to the login user's shell
// (bash on the images) with `-c`, in a session of its own, and nothing else is started
// for it: a wrapper process (`timeout`, a second shell) costs ~40 ms an exec under TCG.
// The shell first writes its pid on stderr behind this mark; the harness strips that line.
// sshd makes the shell a session leader, so its pid names the command's process group:
// a command over its time limit is killed, group and all, through a second channel. (If the
// connection itself is lost, the scenario ends there, and its guest with it.)
const PID_MARK = '\x01harness-pid ';
const PID_PREFIX = `printf '\\001harness-pid %s\\n' "$$" >&2; `;

export function fingerprintOf(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

export class Guest {
  private closedReason?: string;
  /** Whose doing the closing was: the guest's, unless the harness closed it. */
  private closedBy: Fault = 'guest';

  private constructor(private readonly client: Client) {
    client.on('close', () => (this.closedReason ??= 'the SSH connection closed'));
    client.on('error', (err) => (this.closedReason ??= `the SSH connection failed: ${err.message}`));
  }

  /** Connects, retrying under the deadline until the handshake succeeds. */
  static async connect(options: ConnectOptions): Promise<Guest> {
    const privateKey = await readFile(options.privateKeyPath);
    const deadline = Date.now() + options.deadlineMs;
    const abort = new AbortController();
    options.lost?.catch((err: Error) => abort.abort(err));
    try {
      const client = await waitFor(
        'the guest to answer over SSH',
        async (attempt) => {
          try {
            trace('SSH handshake attempt');
            // a handshake the wait gave up on is ended, not left to connect for no one
            const signal = AbortSignal.any([abort.signal, attempt.signal]);
            return holds(await handshake(options, privateKey, Math.max(1000, Math.min(deadline - Date.now(), 20_000)), signal));
          } catch (err) {
            trace(`SSH attempt failed: ${(err as Error).message}`);
            if (err instanceof HostKeyMismatch || abort.signal.aborted) giveUp(err as Error);
            throw err;
          }
        },
        { timeoutMs: options.deadlineMs, intervalMs: 250, maxIntervalMs: 1000, signal: abort.signal },
      );
      return new Guest(client);
    } catch (err) {
      if (abort.signal.aborted) throw abort.signal.reason;
      if (err instanceof WaitTimeout) throw new GuestError(`guest not reachable over SSH within ${options.deadlineMs} ms: ${err.last}`, options.unreachable ?? 'host');
      throw err;
    }
  }

  /**
   * Runs a shell command in the guest, by the login shell (with `user`, that same shell run
   * as the user by runuser). A non-zero exit is a result, not an error; running out of time is.
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const body = options.user ? `exec runuser -u ${shellQuote(options.user)} -- "$SHELL" -c ${shellQuote(command)}` : command;
    return this.rawExec(PID_PREFIX + body, options.stdin, timeoutMs, command);
  }

  /** Like exec, but a non-zero exit is an error naming the command and its stderr. */
  async succeed(command: string, options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(command, options);
    if (result.exitCode !== 0) {
      throw new GuestError(`\`${command}\` exited ${result.exitCode}: ${(result.stderr || result.stdout).trim()}`, 'harness');
    }
    return result.stdout;
  }

  close(): void {
    if (this.closedReason === undefined) this.closedBy = 'harness';
    this.closedReason ??= 'closed by the harness';
    this.client.end();
  }

  /** `command` is what sshd hands the shell; `shown` is what errors quote. */
  private rawExec(command: string, stdin: string | Buffer | undefined, timeoutMs: number, shown: string): Promise<ExecResult> {
    if (this.closedReason) return Promise.reject(new GuestError(`cannot run a command: ${this.closedReason}`, this.closedBy));
    const started = Date.now();
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      const stdout: Buffer[] = [];
      const stderr = new MarkedStderr();
      let exitCode: number | undefined;
      let settled = false;
      let expired = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.client.off('close', onDrop);
        if (err) return reject(err);
        resolve({
          exitCode: exitCode ?? -1,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: stderr.text(),
          durationMs: Date.now() - started,
        });
      };
      const onDrop = () => finish(new GuestError(`the SSH connection dropped while running: ${shown}`, this.closedBy));
      this.client.once('close', onDrop);
      const timer = setTimeout(() => {
        expired = true; // from here on, the channel closing is the kill's doing
        const pid = stderr.pid;
        const killed = pid === undefined ? Promise.resolve() : this.killGroup(pid);
        void killed.finally(() => {
          channel?.close();
          const unanswered = pid === undefined ? ' (the guest never started it)' : '';
          finish(new GuestError(`command timed out after ${timeoutMs} ms${unanswered}: ${shown}`, 'harness'));
        });
      }, timeoutMs);
      this.client.exec(command, (err, stream) => {
        if (err) return finish(new GuestError(`could not open an exec channel: ${err.message}`, 'guest'));
        channel = stream;
        stream.on('data', (chunk: Buffer) => stdout.push(chunk));
        stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        stream.on('exit', (code: number | null, signal?: string) => {
          exitCode = code ?? (signal ? 128 : -1);
        });
        stream.on('close', () => {
          if (settled || expired) return;
          if (exitCode === undefined) return finish(new GuestError(`the command ended without an exit status: ${shown}`, 'guest'));
          finish();
        });
        if (stdin !== undefined) stream.end(stdin);
        else stream.end();
      });
    });
  }

  /** Kills a command's whole process group; a failure to is not this command's error. */
  private async killGroup(pid: number): Promise<void> {
    await this.rawExec(`kill -KILL -- -${pid}`, undefined, KILL_MS, `kill -KILL -- -${pid}`).catch(() => undefined);
  }
}

/** Whether stderr's first bytes are (so far) the pid line the shell writes first. */
function isPidLine(head: Buffer): boolean {
  const text = head.toString('latin1');
  return text.startsWith(PID_MARK) || PID_MARK.startsWith(text);
}

/** A command's stderr, with the pid line its shell writes first taken off. */
export class MarkedStderr {
  pid?: number;
  private readonly chunks: Buffer[] = [];
  private head?: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    if (this.head === undefined) return void this.chunks.push(chunk);
    this.head = Buffer.concat([this.head, chunk]);
    if (!isPidLine(this.head)) return this.release(this.head);
    const text = this.head.toString('latin1');
    const end = text.indexOf('\n');
    if (end < 0) return;
    if (text.startsWith(PID_MARK)) this.pid = Number(text.slice(PID_MARK.length, end)) || undefined;
    this.release(this.head.subarray(end + 1));
  }

  text(): string {
    // A pid line cut short (the shell killed mid-write) is still the harness's, not the command's.
    if (this.head !== undefined) this.release(isPidLine(this.head) ? Buffer.alloc(0) : this.head);
    return Buffer.concat(this.chunks).toString('utf8');
  }

  private release(rest: Buffer): void {
    this.head = undefined;
    if (rest.length > 0) this.chunks.push(rest);
  }
}

/** The image's recorded host key is not the guest's: the image and its record disagree, a
 *  matter of the host's files, not of the guest under test. */
class HostKeyMismatch extends GuestError {
  override name = 'HostKeyMismatch';
  constructor(message: string) {
    super(message, 'host');
  }
}

function handshake(options: ConnectOptions, privateKey: Buffer, timeoutMs: number, signal: AbortSignal): Promise<Client> {
  return new Promise<Client>((resolve, reject) => {
    const client = new Client();
    let seenFingerprint: string | undefined;
    const onAbort = () => {
      client.destroy();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) {
        client.destroy();
        if (seenFingerprint && seenFingerprint !== options.hostKeyFingerprint) {
          reject(new HostKeyMismatch(`the guest's host key ${seenFingerprint} is not the image's ${options.hostKeyFingerprint}: refusing to connect`));
        } else reject(err);
      } else resolve(client);
    };
    client.once('ready', () => done());
    // ssh2 may emit several errors for one failed attempt; later ones, and errors after
    // the handshake, surface through 'close' on the pending execs.
    client.on('error', (err) => done(err));
    client.connect({
      host: options.host ?? '127.0.0.1',
      port: options.port,
      username: options.user,
      privateKey,
      readyTimeout: timeoutMs,
      keepaliveInterval: 5000,
      keepaliveCountMax: 6,
      hostVerifier: (key: Buffer) => {
        seenFingerprint = fingerprintOf(key);
        return seenFingerprint === options.hostKeyFingerprint;
      },
    });
  });
}
