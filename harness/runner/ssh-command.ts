// The OpenSSH command line into a guest, for a person: printed for a guest kept by
// --keep-on-failure, run by `harness shell` and `harness repro`.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Guest } from '../guest/guest.js';
import type { ImageInfo } from '../vm/image.js';
import type { Machine } from '../vm/machine.js';

/** The OpenSSH command that gets a person into the guest, its host key pinned. */
export async function sshCommand(machine: Machine, guest: Guest, image: ImageInfo): Promise<string[]> {
  const hostKey = (await guest.succeed('cat /etc/ssh/ssh_host_ed25519_key.pub', { timeoutMs: 10_000 })).trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHosts = path.join(machine.dir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${machine.sshPort} ${hostKey}\n`);
  return ['ssh', '-i', image.privateKey, '-p', String(machine.sshPort), '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes', `${image.user}@127.0.0.1`];
}
