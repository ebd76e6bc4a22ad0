// The host processes a run starts (QEMU, a private network's switch) die with the harness:
// under setpriv --pdeathsig the kernel kills them when the harness goes, even by SIGKILL,
// so none outlives the run that started it.
import { existsSync } from 'node:fs';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** The command and argv that run `command args` so that it dies with this process. */
export function dyingWithUs(command: string, args: string[]): [string, string[]] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
}
