// A minimal QMP client: one command in flight at a time is all the harness needs
// (query-status, stop/cont, migrate, query-migrate), so replies are matched by order.
import net from 'node:net';
import { once } from 'node:events';
import { holds, waitFor } from '../util/wait.js';

export class QmpError extends Error {
  override name = 'QmpError';
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class Qmp {
  private buffer = '';
  private pending: Pending[] = [];
  private closed = false;
  private eventListeners: ((event: string, data: Record<string, unknown>) => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.failAll(new QmpError('QMP connection closed')));
    socket.on('error', (err) => this.failAll(new QmpError(`QMP: ${err.message}`)));
  }

  /** Connects to QEMU's QMP socket, retrying until it exists or the deadline passes. The
   *  greeting and the capabilities handshake count against the same deadline: a socket
   *  that accepts and never speaks ends the wait at it, and is closed. */
  static connect(socketPath: string, timeoutMs: number, signal?: AbortSignal): Promise<Qmp> {
    return waitFor(
      `QMP on ${socketPath}`,
      async ({ signal }) => {
        const socket = net.createConnection(socketPath);
        const drop = () => socket.destroy();
        signal.addEventListener('abort', drop, { once: true });
        try {
          await once(socket, 'connect');
          const qmp = new Qmp(socket);
          await qmp.nextReply(); // the greeting
          await qmp.execute('qmp_capabilities');
          return holds(qmp);
        } catch (err) {
          socket.destroy();
          throw err;
        } finally {
          signal.removeEventListener('abort', drop);
        }
      },
      { timeoutMs, intervalMs: 50, maxIntervalMs: 200, signal },
    );
  }

  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closed) throw new QmpError(`QMP closed; cannot run ${command}`);
    const reply = this.nextReply();
    this.socket.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    return reply;
  }

  /** Calls `listener` on every event from now on; returns what stops it. */
  onEvent(listener: (event: string, data: Record<string, unknown>) => void): () => void {
    this.eventListeners.push(listener);
    return () => {
      this.eventListeners = this.eventListeners.filter((l) => l !== listener);
    };
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private nextReply(): Promise<unknown> {
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.onMessage(JSON.parse(line) as Record<string, unknown>);
    }
  }

  private onMessage(message: Record<string, unknown>): void {
    if ('event' in message) {
      const event = String(message.event);
      for (const listener of this.eventListeners) listener(event, (message.data ?? {}) as Record<string, unknown>);
      return;
    }
    const waiter = this.pending.shift();
    if (!waiter) return;
    if ('error' in message) {
      const error = message.error as { class?: string; desc?: string };
      waiter.reject(new QmpError(`${error.class ?? 'Error'}: ${error.desc ?? 'unknown QMP error'}`));
    } else {
      waiter.resolve('return' in message ? message.return : message.QMP);
    }
  }

  private failAll(err: Error): void {
    this.closed = true;
    for (const waiter of this.pending.splice(0)) waiter.reject(err);
  }
}
