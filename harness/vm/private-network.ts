// The private network of a scenario's guests (`guests:`): an Ethernet switch in the
// harness's own process. Each guest's second NIC is a QEMU `dgram` netdev that sends its
// frames as UDP datagrams to a loopback socket of this switch, which passes each frame on
// to the guest its destination MAC was last seen from (or to all the others, for
// broadcasts and MACs not yet seen). No root, no tap, no bridge: the frames touch the
// host only as datagrams between 127.0.0.1 sockets, and no host address is on the
// network, so a guest reaches its peers and nothing else (its user-mode NIC stays
// restrict=on). The guest side (addresses, names) is set up by runner/guest-network.ts.
import dgram from 'node:dgram';

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

interface Port {
  socket: dgram.Socket;
  /** The loopback UDP port its QEMU sends from and receives on, once attached. */
  qemuPort?: number;
}

const LOOPBACK = '127.0.0.1';

export class PrivateNetwork {
  /** Source MAC → the guest it was last seen from. */
  private readonly learned = new Map<string, string>();
  /** Frames taken from each guest (the report's guest.NAME.network.frames: 0 = it never spoke). */
  readonly framesFrom = new Map<string, number>();

  private constructor(private readonly ports: Map<string, Port>) {
    for (const [name, port] of ports) port.socket.on('message', (frame, from) => this.receive(name, port, frame, from));
  }

  /** A switch with a port for each named guest, each a UDP socket on 127.0.0.1. */
  static async open(names: readonly string[]): Promise<PrivateNetwork> {
    const ports = new Map<string, Port>();
    try {
      for (const name of names) {
        const socket = dgram.createSocket('udp4');
        ports.set(name, { socket });
        socket.on('error', () => {}); // a guest gone: its datagrams have nowhere to go, nothing more
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(0, LOOPBACK, () => resolve());
        });
      }
    } catch (err) {
      for (const { socket } of ports.values()) socket.close();
      throw err;
    }
    return new PrivateNetwork(ports);
  }

  /** Where the guest's QEMU sends its frames (its netdev's remote port). */
  switchPort(name: string): number {
    return this.port(name).socket.address().port;
  }

  /** The guest's QEMU now listens on `qemuPort`: frames for it go there, and only frames
   *  from there are taken as its own. A restart (a reboot, a restore) attaches again. */
  attach(name: string, qemuPort: number): void {
    this.port(name).qemuPort = qemuPort;
  }

  close(): void {
    for (const { socket } of this.ports.values()) {
      try {
        socket.close();
      } catch {
        // closed already
      }
    }
  }

  private port(name: string): Port {
    const port = this.ports.get(name);
    if (!port) throw new Error(`the private network has no guest ${name}`);
    return port;
  }

  private receive(name: string, port: Port, frame: Buffer, from: dgram.RemoteInfo): void {
    // Only the guest's own QEMU speaks on its port; anything else on the host is ignored.
    if (from.address !== LOOPBACK || from.port !== port.qemuPort || frame.length < 14) return;
    this.framesFrom.set(name, (this.framesFrom.get(name) ?? 0) + 1);
    const destination = macAt(frame, 0);
    const source = macAt(frame, 6);
    if ((frame[6] & 1) === 0) this.learned.set(source, name);
    const known = (frame[0] & 1) === 0 ? this.learned.get(destination) : undefined;
    for (const [other, out] of this.ports) {
      if (other === name || out.qemuPort === undefined) continue;
      if (known !== undefined && known !== other) continue;
      out.socket.send(frame, out.qemuPort, LOOPBACK);
    }
  }
}

function macAt(frame: Buffer, offset: number): string {
  return frame.subarray(offset, offset + 6).toString('hex');
}
