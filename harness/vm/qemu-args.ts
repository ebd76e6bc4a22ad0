// The QEMU command line for a VmSpec. Pure: every path and port comes in from the caller.
import { netdevRestrictions } from './outbound.js';
import { PRIVATE_MAC_AT_START, PRIVATE_NIC_SLOT } from './private-network.js';
import { shellQuote } from '../util/quote.js';
import type { VmSpec } from './spec.js';

export interface QemuPaths {
  overlay: string;
  serialLog: string;
  qmpSocket: string;
  sshPort: number;
  /** A saved state to restore instead of booting (QEMU -incoming). */
  incoming?: string;
}

export function kernelCommandLine(spec: VmSpec): string {
  return [spec.image.kernelCmdline, ...spec.kernelParams].join(' ').trim();
}

export function smpArgument(spec: VmSpec): string {
  if (spec.threads < 1 || spec.cpus % spec.threads !== 0) {
    throw new Error(`cpus (${spec.cpus}) must be a multiple of threads (${spec.threads})`);
  }
  return `${spec.cpus},sockets=1,cores=${spec.cpus / spec.threads},threads=${spec.threads}`;
}

export function qemuArgs(spec: VmSpec, paths: QemuPaths): string[] {
  const accel = spec.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi';
  const args = [
    // a guest of several says which in `ps` as well
    '-name', `harness-${spec.image.name}${spec.privateNic ? `-${spec.privateNic.guest}` : ''}`,
    '-machine', 'q35',
    '-accel', accel,
    '-cpu', spec.cpuModel,
    '-smp', smpArgument(spec),
    '-m', String(spec.memory),
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-vga', 'none',
    // panic=-1 on the kernel command line plus -no-reboot: a panicking guest ends QEMU at once.
    // A reboot a step asks for lifts it for that one reset (QMP set-action, Machine.rebootGuest).
    '-no-reboot',
    '-kernel', spec.image.kernel,
    '-initrd', spec.image.initrd,
    '-append', kernelCommandLine(spec),
    '-drive', `file=${optionValue(paths.overlay)},if=virtio,format=qcow2,cache=unsafe,discard=unmap`,
    // SSH reaches the guest through user-mode networking, forwarded on loopback only. The
    // guest itself reaches nothing outside but its `vm.outbound` addresses (outbound.ts).
    '-netdev', ['user', 'id=net0', `hostfwd=tcp:127.0.0.1:${paths.sshPort}-:22`, ...netdevRestrictions(spec.outbound)].join(','),
    '-device', 'virtio-net-pci,netdev=net0',
    '-device', 'virtio-rng-pci',
    '-chardev', `file,id=serial0,path=${optionValue(paths.serialLog)}`,
    '-serial', 'chardev:serial0',
    '-qmp', `unix:${optionValue(paths.qmpSocket)},server=on,wait=off`,
  ];
  if (spec.privateNic) {
    // The scenario's own vde_switch, joined through its socket folder (private-network.ts).
    args.push('-netdev', `vde,id=net1,sock=${optionValue(spec.privateNic.switchSocket)}`);
    args.push('-device', `virtio-net-pci,netdev=net1,mac=${PRIVATE_MAC_AT_START},addr=${PRIVATE_NIC_SLOT}`);
  }
  if (paths.incoming) args.push('-incoming', `exec:cat ${shellQuote(paths.incoming)}`);
  return args;
}

/** A value inside a QEMU option list (`-drive file=…,if=…`): QEMU reads a comma there as
 *  the next option, and `,,` as one comma. So a TMPDIR or cache folder with a comma works. */
export function optionValue(value: string): string {
  return value.replace(/,/g, ',,');
}
