// Follows the guest's serial console log: keeps its tail for error messages and
// notices the moments a boot is lost for good, so nobody waits out a deadline for nothing.
import { statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

const FATAL_PATTERNS: { pattern: RegExp; what: string }[] = [
  { pattern: /Kernel panic - not syncing/, what: 'kernel panic' },
  { pattern: /Gave up waiting for root (file system )?device/, what: 'initramfs gave up waiting for the root device' },
  { pattern: /You are in emergency mode/, what: 'systemd entered emergency mode' },
];

export interface SerialFatal {
  what: string;
  /** The matching line and what came just before and after it. */
  lines: string[];
}

/** A stretch of the log as text, carriage returns taken out. */
export function logText(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/\r/g, '');
}

export class SerialConsole {
  private lines: string[] = [];
  private partial = '';
  private offset = 0;
  private timer?: NodeJS.Timeout;
  private handle?: FileHandle;
  private fatalListeners: ((fatal: SerialFatal) => void)[] = [];
  private fatalSeen?: SerialFatal;
  private fatalLineIndex = -1;

  constructor(readonly path: string, private readonly keepLines = 400) {}

  start(intervalMs = 200): void {
    this.timer = setInterval(() => void this.poll(), intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.poll();
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }

  onFatal(listener: (fatal: SerialFatal) => void): void {
    this.fatalListeners.push(listener);
    if (this.fatalSeen) listener(this.fatalSeen);
  }

  tail(count = 30): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-count);
  }

  /** The log's bytes from byte `from` to its end now, and that end: `screen: serial` reads it. */
  async readBytes(from: number): Promise<{ bytes: Buffer; end: number }> {
    const file = await open(this.path, 'r').catch(() => undefined);
    if (!file) return { bytes: Buffer.alloc(0), end: from };
    try {
      const { size } = await file.stat();
      const length = Math.max(0, size - from);
      const { buffer, bytesRead } = await file.read(Buffer.alloc(length), 0, length, from);
      return { bytes: buffer.subarray(0, bytesRead), end: from + bytesRead };
    } finally {
      await file.close();
    }
  }

  /** The log's size now (0 before QEMU opened it). */
  size(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  /** Reads what the guest wrote since the last poll. */
  async poll(): Promise<void> {
    try {
      this.handle ??= await open(this.path, 'r');
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.addText(buffer.subarray(0, bytesRead).toString('utf8'));
      }
    } catch {
      // the file appears only once QEMU has opened it
    }
  }

  private addText(text: string): void {
    const parts = (this.partial + text).replace(/\r/g, '').split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.keepLines) {
        this.lines.shift();
        this.fatalLineIndex--;
      }
      this.checkFatal(line);
    }
    if (this.fatalSeen && this.fatalLineIndex >= 0) {
      // keep adding the lines that follow a panic (the trace) to what is reported
      this.fatalSeen.lines = this.lines.slice(Math.max(0, this.fatalLineIndex - 2), this.fatalLineIndex + 12);
    }
  }

  private checkFatal(line: string): void {
    if (this.fatalSeen) return;
    const hit = FATAL_PATTERNS.find(({ pattern }) => pattern.test(line));
    if (!hit) return;
    this.fatalLineIndex = this.lines.length - 1;
    this.fatalSeen = { what: hit.what, lines: this.lines.slice(Math.max(0, this.fatalLineIndex - 2)) };
    for (const listener of this.fatalListeners) listener(this.fatalSeen);
  }
}
