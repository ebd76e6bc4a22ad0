// A reboot a step asks for, as QEMU sees it. QEMU runs with -no-reboot (a reset request
// ends it), so that a panicking guest (panic=-1) ends at once. For a reboot a step asks for,
// resets are let through, and stay let through until the guest is back: one reboot is
// several reset requests, not one. The kernel's own reboot path tries one method after
// another, and on a warm reset SeaBIOS asks for a hard reset of its own ("Attempting a hard
// reboot"): two or three RESET events within 15-25 ms on an idle host, far more apart on a
// loaded one. Putting -no-reboot back at the first RESET (as this harness once did) let a
// late one end QEMU with status 0, the guest lost in the middle of its reboot.
import type { Qmp } from './qmp.js';
import { giveUp, holds, notYet, waitFor } from '../util/wait.js';

/** Resets one reboot may take before it is a loop (a kernel that panics as it boots). */
export const MAX_RESETS = 8;

export interface ResetWindowOptions {
  qmp: Qmp;
  /** Aborted when the VM is lost or stopped. */
  signal: AbortSignal;
  /** Called once when the guest keeps resetting without coming back. */
  onLoop: (message: string) => void;
}

export class ResetWindow {
  /** RESET events QEMU sent since the window opened. */
  resets = 0;
  private closed = false;
  private readonly stopListening: () => void;

  private constructor(private readonly options: ResetWindowOptions) {
    this.stopListening = options.qmp.onEvent((event) => {
      if (event !== 'RESET' || this.closed) return;
      this.resets++;
      if (this.resets === MAX_RESETS + 1) options.onLoop(`the guest reset ${this.resets} times while rebooting without coming back: a reset loop (a panic as it boots?)`);
    });
  }

  /**
   * Lets resets through, asks the guest to reboot (`ask` rejects when it refused) and
   * resolves once QEMU has reset it, the window still open: close it once the guest is back.
   */
  static async open(options: ResetWindowOptions, what: string, ask: () => Promise<void>, timeoutMs: number): Promise<ResetWindow> {
    const window = new ResetWindow(options);
    try {
      await options.qmp.execute('set-action', { reboot: 'reset' });
      let refused: Error | undefined;
      ask().catch((err: Error) => (refused = err));
      await waitFor(
        `the guest to restart after ${what}`,
        async () => {
          if (refused && !window.resets) giveUp(refused);
          return window.resets ? holds(undefined) : notYet('QEMU has not reset it');
        },
        { timeoutMs, intervalMs: 100, maxIntervalMs: 500, signal: options.signal },
      );
      return window;
    } catch (err) {
      await window.close();
      throw err;
    }
  }

  /** The guest is back (or the reboot is over, come what may): a reset request from now on
   *  ends QEMU again. Idempotent; says how many resets the reboot took. */
  async close(): Promise<number> {
    if (!this.closed) {
      this.closed = true;
      this.stopListening();
      if (!this.options.signal.aborted) await this.options.qmp.execute('set-action', { reboot: 'shutdown' }).catch(() => {});
    }
    return this.resets;
  }

  get isOpen(): boolean {
    return !this.closed;
  }
}
