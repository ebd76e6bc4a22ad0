// The guest side of a scenario's private network (vm/private-network.ts): the NIC that came
// up with the shared start MAC takes the guest's own MAC and address, the guest takes its
// name, and /etc/hosts names every guest. One command, after the guest is ready (booted or
// restored: a snapshot knows nothing of the scenario) and again after a reboot. At the end,
// what the switch counted of each guest.
import { firstLine } from '../util/errors.js';
import { shellQuote } from '../util/quote.js';
import { PRIVATE_MAC_AT_START, PRIVATE_NETMASK_BITS, privateAddress, privateMac, type PrivateNetwork } from '../vm/private-network.js';
import type { ScenarioGuest } from './scenario-guest.js';

/** The guests on the network, in the scenario's order (which gives each its address). */
export interface NetworkMember {
  name: string;
  index: number;
}

/** The line /etc/hosts gets for a guest, marked so that it can be replaced. */
function hostsLine(member: NetworkMember): string {
  return `${privateAddress(member.index)} ${member.name} # harness private network`;
}

/** The shell command that puts `self` on the network with `members`; it prints the NIC's name. */
export function networkCommand(self: NetworkMember, members: readonly NetworkMember[]): string {
  const hosts = members.map((m) => shellQuote(hostsLine(m))).join(' ');
  return [
    'set -e',
    // the NIC still has the start MAC on a fresh boot or restore; after it is set up, its own
    `nic=$(grep -lix -e ${PRIVATE_MAC_AT_START} -e ${privateMac(self.index)} /sys/class/net/*/address | head -n1 | cut -d/ -f5)`,
    `[ -n "$nic" ] || { echo "no NIC with MAC ${PRIVATE_MAC_AT_START}: the private network's device is missing" >&2; exit 1; }`,
    'ip link set dev "$nic" down',
    `ip link set dev "$nic" address ${privateMac(self.index)}`,
    `ip address replace ${privateAddress(self.index)}/${PRIVATE_NETMASK_BITS} dev "$nic"`,
    'ip link set dev "$nic" up',
    `hostname ${self.name}`,
    `echo ${self.name} > /etc/hostname`,
    // the image names itself 127.0.1.1 guest; here each guest is known by its address alone
    "sed -i -e '/^127\\.0\\.1\\.1[[:space:]]/d' -e '/# harness private network$/d' /etc/hosts",
    `printf '%s\\n' ${hosts} >> /etc/hosts`,
    'echo "$nic"',
  ].join('\n');
}

/** Each guest's `network.frames`: the frames the switch took from its QEMU, read while the
 *  guests are still on it. A guest whose QEMU is gone (lost) has no port left, and no count. */
export async function recordFrames(network: PrivateNetwork, slots: readonly ScenarioGuest[], log?: (line: string) => void): Promise<void> {
  const pids = new Map(slots.flatMap((slot) => (slot.ready?.machine.pid !== undefined ? [[slot.name, slot.ready.machine.pid] as const] : [])));
  if (pids.size === 0) return;
  try {
    const frames = await network.framesFrom(pids);
    for (const [name, count] of frames) slots.find((slot) => slot.name === name)?.set({ 'network.frames': String(count) });
  } catch (err) {
    log?.(`the private network's frame counts could not be read: ${firstLine(err)}`);
  }
}
