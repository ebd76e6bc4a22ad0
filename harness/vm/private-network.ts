// The private network of a scenario's guests (`guests:`): a vde_switch (Debian's vde2) of the
// scenario's own, as the NixOS test driver and openQA give their guests. Each guest's second
// NIC is a QEMU `vde` netdev that joins the switch at its socket folder, which lies in a work
// dir of mode 0700 (workdir.ts): a process of another user is refused there (EACCES), and no
// other scenario or run knows the path, so two networks never cross. No root, no tap, no
// bridge and no inet socket: no host address is on the network, so a guest reaches its peers
// and nothing else (its user-mode NIC stays restrict=on). The switch runs in the foreground,
// its console on a pipe from the harness (it ends at EOF there), and dies with the harness
// (dying-with-us.ts); its port counters say how many frames each guest sent. The guest side
// (addresses, names) is set up by runner/guest-network.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa, type Result, type ResultPromise } from 'execa';
import { dyingWithUs } from './dying-with-us.js';
import { makeWorkDir, removeWorkDir } from './workdir.js';
import { giveUp, holds, notYet, waitFor } from '../util/wait.js';

/** The network's addresses: the guests', in the order the scenario declares them, from .1. */
export const PRIVATE_PREFIX = '10.76.0.';
export const PRIVATE_NETMASK_BITS = 24;
/** The MAC every private NIC is started with (a snapshot's as well); the guest then takes its own. */
export const PRIVATE_MAC_AT_START = '52:54:00:4c:ff:ff';
/** Where the private NIC sits on the PCI bus, apart from the devices QEMU places itself. */
export const PRIVATE_NIC_SLOT = '0x10';

export function privateAddress(index: number): string {
  return `${PRIVATE_PREFIX}${index + 1}`;
}

export function privateMac(index: number): string {
  return `52:54:00:4c:00:${(index + 1).toString(16).padStart(2, '0')}`;
}

const START_MS = 10_000;
const ANSWER_MS = 5_000;
const STOP_MS = 3_000;

const live = new Set<PrivateNetwork>();

/** Closes every network still open, but those kept for a person (on Ctrl-C or a fatal error). */
export async function closeAllNetworks(): Promise<void> {
  await Promise.all([...live].map((network) => network.close()));
}

/** What vde_switch's `port/print` says: the pid of each process on a port → the frames the
 *  switch took from that port. A QEMU names its own pid when it joins ("QEMU user=… pid=N"). */
export function framesByPid(text: string): Map<number, number> {
  const frames = new Map<number, number>();
  let taken: number | undefined;
  for (const line of text.split('\n')) {
    if (/^Port \d+/.test(line)) taken = undefined;
    const counted = /^\s*IN:\s+pkts\s+(\d+)/.exec(line);
    if (counted) taken = Number(counted[1]);
    const endpoint = /^\s*-- endpoint\b.*\bpid=(\d+)\s*$/.exec(line);
    if (endpoint && taken !== undefined) frames.set(Number(endpoint[1]), taken);
  }
  return frames;
}

function startFailure(ended: Result, output: string): string {
  const said = output.trim() || (ended.exitCode === undefined ? String(ended.message) : 'no output');
  const missing = /No such file|ENOENT/.test(said) ? ' (vde_switch is in the Debian package vde2; scripts/host-deps.sh installs it)' : '';
  return `vde_switch exited at start (${ended.exitCode === undefined ? 'not started' : `status ${ended.exitCode}`}): ${said}${missing}`;
}

export class PrivateNetwork {
  private output = '';
  private errors = '';
  private asking: Promise<unknown> = Promise.resolve();
  private closing?: Promise<void>;

  private constructor(
    private readonly dir: string,
    private readonly process: ResultPromise,
    private readonly exited: Promise<Result>,
  ) {
    live.add(this);
    process.stdin?.on('error', () => {}); // a switch gone: what it was told goes nowhere, and ask() times out
    process.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    process.stderr?.on('data', (chunk: Buffer) => (this.errors = (this.errors + chunk.toString()).slice(-2000)));
  }

  /** Where the guests' QEMUs join it (`-netdev vde,sock=…`). */
  get socket(): string {
    return path.join(this.dir, 'switch');
  }

  /** A switch of its own, in a fresh 0700 work dir, answering once its control socket is there. */
  static async open(): Promise<PrivateNetwork> {
    const dir = await makeWorkDir();
    const socket = path.join(dir, 'switch');
    const [command, argv] = dyingWithUs('vde_switch', ['--sock', socket, '--dirmode', '0700', '--mode', '0600']);
    // its own process group, as QEMU's: a Ctrl-C reaches the harness, which ends it in order
    const child = execa(command, argv, { reject: false, stdin: 'pipe', buffer: false, detached: true });
    const network = new PrivateNetwork(dir, child, child.then((r) => r));
    try {
      let ended: Result | undefined;
      void network.exited.then((r) => (ended = r));
      await waitFor('the private network\'s vde_switch to open its socket', async () => {
        if (ended) giveUp(new Error(startFailure(ended, network.errors)));
        return existsSync(path.join(socket, 'ctl')) ? holds(undefined) : notYet('no control socket yet');
      }, { timeoutMs: START_MS, intervalMs: 20, maxIntervalMs: 200 });
      return network;
    } catch (err) {
      await network.close();
      throw err;
    }
  }

  /** The frames the switch took from each named guest's QEMU (by its pid) so far; a guest
   *  whose QEMU is no longer on the switch has no count. */
  async framesFrom(pids: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    const byPid = framesByPid(await this.ask('port/print'));
    return new Map([...pids].flatMap(([name, pid]) => (byPid.has(pid) ? [[name, byPid.get(pid)!] as const] : [])));
  }

  /** Leaves this network out of closeAllNetworks: guests kept for a person are on it, and
   *  the caller closes it once they are stopped (the switch still dies with the harness). */
  keep(): void {
    live.delete(this);
  }

  /** Ends the switch (EOF on its console, then by force) and removes its folder. Safe twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      live.delete(this);
      this.process.stdin?.end();
      const timer = setTimeout(() => this.process.kill('SIGKILL'), STOP_MS);
      await this.exited;
      clearTimeout(timer);
      await removeWorkDir(this.dir);
    })();
    return this.closing;
  }

  /** One command on the switch's console, one at a time: its answer up to the status line
   *  (`1000 Success`, or the error it says). */
  private ask(command: string): Promise<string> {
    const answer = this.asking.then(async () => {
      this.output = '';
      this.process.stdin?.write(`${command}\n`);
      return waitFor(`vde_switch's answer to ${command}`, async () => {
        const text = this.output;
        const status = /^(1\d{3}) (.*)$/m.exec(text);
        if (!status) return notYet(text ? `so far: ${text.slice(-200)}` : 'no answer yet');
        if (status[1] !== '1000') giveUp(new Error(`vde_switch refused ${command}: ${status[2]}`));
        return holds(text);
      }, { timeoutMs: ANSWER_MS, intervalMs: 10, maxIntervalMs: 100 });
    });
    this.asking = answer.catch(() => {});
    return answer;
  }
}
