// Run by QEMU for each connection the guest opens to a `vm.outbound` address: stdin and
// stdout are that connection (as is stderr, so this never writes to it). Connects to
// HOST PORT and copies both ways until either side closes. argv: HOST PORT.
import net from 'node:net';

const [host, portText] = process.argv.slice(2);
const guest = new net.Socket({ fd: 0, readable: true, writable: true });
const outside = net.connect(Number(portText), host);
guest.pipe(outside);
outside.pipe(guest);
// A refused or broken connection ends the guest's side too: the guest sees it closed.
outside.on('error', () => guest.destroy());
guest.on('error', () => outside.destroy());
outside.on('close', () => guest.end());
