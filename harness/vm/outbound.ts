// The guest's only ways out. Its user-mode network runs with restrict=on: the guest reaches
// nothing on the host or beyond (not 10.0.2.2, not the DNS relay at 10.0.2.3, nothing
// routed); the SSH forward still works, as the host opens it. A scenario that needs a
// service outside names it in `vm.outbound`: a guest-side address on the user network
// that QEMU forwards (guestfwd) to one host address, each connection through a small relay
// process of its own (outbound-relay.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../util/quote.js';

/** One allowed way out: the guest connects to guestAddress:guestPort, the host to host:port. */
export interface Outbound {
  guestAddress: string;
  guestPort: number;
  host: string;
  port: number;
}

/** The guest's user network, and the addresses of it a forward cannot take. */
export const GUEST_NETWORK = '10.0.2.';
const TAKEN: Record<number, string> = { 0: 'the network itself', 2: 'the host (gateway)', 3: 'the DNS relay', 15: "the guest's own address", 255: 'broadcast' };

const RELAY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'outbound-relay.js');

function port(text: string): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** "10.0.2.100:8080" as a guest-side address, or why it cannot be one. */
export function parseGuestSide(text: string): { address: string; port: number } | string {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text);
  if (!match) return `expected ADDRESS:PORT on the guest's network, e.g. ${GUEST_NETWORK}100:8080`;
  const [, address, portText] = match;
  if (!address.startsWith(GUEST_NETWORK)) return `${address} is not on the guest's network ${GUEST_NETWORK}0/24`;
  const last = Number(address.slice(GUEST_NETWORK.length));
  if (last > 255) return `${address} is not an IPv4 address`;
  if (TAKEN[last]) return `${address} is ${TAKEN[last]}; pick another, e.g. ${GUEST_NETWORK}100`;
  const p = port(portText);
  return p === undefined ? `port ${portText} is not between 1 and 65535` : { address, port: p };
}

/** "127.0.0.1:8080" as a host-side address, or why it cannot be one. */
export function parseHostSide(text: string): { host: string; port: number } | string {
  const match = /^([A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/.exec(text);
  if (!match) return 'expected HOST:PORT, e.g. 127.0.0.1:8080 (an IPv4 address or a host name)';
  const p = port(match[2]);
  return p === undefined ? `port ${match[2]} is not between 1 and 65535` : { host: match[1], port: p };
}

/** The `-netdev user` options that close the guest in: restrict=on, then one guestfwd per way out. */
export function netdevRestrictions(outbound: readonly Outbound[], relay: readonly string[] = [process.execPath, '--no-warnings', RELAY]): string[] {
  return [
    'restrict=on',
    ...outbound.map((o) => {
      // QEMU runs the command (parsed as a shell would, no shell run) for each connection,
      // the connection its stdin and stdout; QEMU's option parser ends it at a lone comma.
      const command = [...relay, o.host, String(o.port)].map(shellQuote).join(' ').replace(/,/g, ',,');
      return `guestfwd=tcp:${o.guestAddress}:${o.guestPort}-cmd:${command}`;
    }),
  ];
}
