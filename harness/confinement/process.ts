// A running service as the harness enters it: its main process, the ids it runs with as
// its own user namespace sees them, and that namespace's maps.
import type { Guest } from '../guest/guest.js';
import { shellQuote } from '../util/quote.js';

export interface ServiceProcess {
  pid: number;
  /** Effective uid/gid inside the service's user namespace (what nsenter -S/-G take). */
  uid: number;
  gid: number;
  /** Supplementary groups, inside the namespace too. */
  groups: number[];
  /** Whether its user namespace differs from PID 1's. */
  privateUserns: boolean;
  /** /proc/PID/uid_map and gid_map, as the kernel prints them. */
  uidMap: string;
  gidMap: string;
}

/** The kernel's answer for an id no map covers (overflowuid). */
const OVERFLOW_ID = 65534;

export function serviceProcessCommand(unit: string): string {
  return [
    `pid=$(systemctl show -p MainPID --value -- ${shellQuote(unit)})`,
    'echo "pid $pid"',
    '[ "${pid:-0}" -gt 0 ] || exit 0',
    'grep -E "^(Uid|Gid|Groups):" /proc/$pid/status',
    'echo "userns $(readlink /proc/$pid/ns/user) $(readlink /proc/1/ns/user)"',
    "sed 's/^/uid_map /' /proc/$pid/uid_map",
    "sed 's/^/gid_map /' /proc/$pid/gid_map",
  ].join('\n');
}

/** Reads serviceProcessCommand's output; undefined when the service has no main process. */
export function parseServiceProcess(text: string): ServiceProcess | undefined {
  const lines = text.split('\n');
  const field = (prefix: string) => lines.filter((l) => l.startsWith(`${prefix} `) || l.startsWith(`${prefix}:`)).map((l) => l.slice(prefix.length + 1).trim());
  const pid = Number(field('pid')[0] ?? 0);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const uidMap = field('uid_map').join('\n');
  const gidMap = field('gid_map').join('\n');
  const effective = (values: string | undefined) => Number((values ?? '').split(/\s+/)[1]);
  const [ownNs, initNs] = (field('userns')[0] ?? '').split(' ');
  return {
    pid,
    uid: toInside(effective(field('Uid')[0]), uidMap),
    gid: toInside(effective(field('Gid')[0]), gidMap),
    groups: (field('Groups')[0] ?? '').split(/\s+/).filter(Boolean).map((group) => toInside(Number(group), gidMap)),
    privateUserns: ownNs !== initNs,
    uidMap,
    gidMap,
  };
}

/** A host id as the namespace with this map sees it. */
export function toInside(outside: number, map: string): number {
  for (const line of map.split('\n')) {
    const [first, lower, count] = line.trim().split(/\s+/).map(Number);
    if (count !== undefined && outside >= lower && outside < lower + count) return first + (outside - lower);
  }
  return OVERFLOW_ID;
}

/** "         0          0          1" → "0 0 1": maps are matched without the kernel's padding. */
export function squeezeMap(map: string): string {
  return map
    .split('\n')
    .map((line) => line.trim().split(/\s+/).join(' '))
    .filter(Boolean)
    .join('\n');
}

export async function serviceProcess(guest: Guest, unit: string, timeoutMs: number): Promise<ServiceProcess | undefined> {
  return parseServiceProcess(await guest.succeed(serviceProcessCommand(unit), { timeoutMs }));
}

/** The command line that runs `command` inside the service: its namespaces, root, cwd and ids. */
export function enterCommand(process: ServiceProcess, command: string): string {
  // -a skips a user namespace that is the caller's own; the shell is the chroot's /bin/sh.
  return `nsenter -t ${process.pid} -a -r -w -S ${process.uid} -G ${process.gid} -- /bin/sh -c ${shellQuote(command)}`;
}
