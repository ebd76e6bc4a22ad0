// What a process may do, as the kernel says it in /proc/PID/status: its capability sets,
// no-new-privileges, the seccomp mode and its umask. Pure: the guest's text comes in.

/** Capability numbers as <linux/capability.h> names them (0 … 40, Linux 5.9 and later). */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

export const CAPABILITY_SETS = ['effective', 'permitted', 'inheritable', 'bounding', 'ambient'] as const;
export type CapabilitySet = (typeof CAPABILITY_SETS)[number];

/** /proc/PID/status's field for each set. */
const STATUS_FIELD: Record<CapabilitySet, string> = { effective: 'CapEff', permitted: 'CapPrm', inheritable: 'CapInh', bounding: 'CapBnd', ambient: 'CapAmb' };

/** The kernel's seccomp modes (Seccomp: 0, 1, 2). */
export const SECCOMP_MODES = ['disabled', 'strict', 'filter'] as const;
export type SeccompMode = (typeof SECCOMP_MODES)[number];

export interface Privileges {
  pid: number;
  capabilities: Record<CapabilitySet, string[]>;
  noNewPrivileges: boolean;
  seccomp: SeccompMode;
  /** How many filters are stacked (Seccomp_filters:, Linux 5.9 and later), when the kernel says. */
  seccompFilters?: number;
  /** Four octal digits (Umask:, Linux 4.7 and later). */
  umask: string;
}

/** The fields of /proc/PID/status the step reads. */
export const STATUS_FIELDS = [...Object.values(STATUS_FIELD), 'NoNewPrivs', 'Seccomp', 'Seccomp_filters', 'Umask'];

/** A capability mask in hex as the kernel prints it → the names of its bits, in bit order;
 *  a bit newer than this table is named cap_N. */
export function capabilityNames(hex: string): string[] {
  let mask = BigInt(`0x${hex.trim()}`);
  const names: string[] = [];
  for (let bit = 0; mask > 0n; bit++, mask >>= 1n) {
    if (mask & 1n) names.push(CAPABILITY_NAMES[bit] ?? `cap_${bit}`);
  }
  return names;
}

/** Reads the status fields of one process; throws naming a field the kernel did not print. */
export function parsePrivileges(pid: number, status: string): Privileges {
  const fields = new Map<string, string>();
  for (const line of status.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const field = (name: string) => {
    const value = fields.get(name);
    if (value === undefined) throw new Error(`/proc/${pid}/status has no ${name}: line`);
    return value;
  };
  const capabilities = Object.fromEntries(CAPABILITY_SETS.map((set) => [set, capabilityNames(field(STATUS_FIELD[set]))])) as Record<CapabilitySet, string[]>;
  const seccomp = SECCOMP_MODES[Number(field('Seccomp'))];
  if (seccomp === undefined) throw new Error(`/proc/${pid}/status: unknown Seccomp mode ${field('Seccomp')}`);
  const privileges: Privileges = { pid, capabilities, noNewPrivileges: field('NoNewPrivs') === '1', seccomp, umask: field('Umask') };
  const filters = fields.get('Seccomp_filters');
  if (filters !== undefined) privileges.seccompFilters = Number(filters);
  return privileges;
}

/** "22", "022", "0022" → "0022"; undefined for anything that is not a umask. */
export function normalUmask(text: string): string | undefined {
  return /^0?[0-7]{3}$/.test(text) ? text.padStart(4, '0') : undefined;
}
