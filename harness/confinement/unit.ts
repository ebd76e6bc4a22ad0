// The drop-in that confines a service, mirroring nixos/modules/security/systemd-confinement.nix:
// an empty, read-only root under /run/confinement/NAME, private mounts, and one
// BindReadOnlyPaths= per path of the closure. Pure: the closure comes in, text goes out.
import type { Confinement, ServiceSpec } from '../scenario/types.js';
import { systemdTrue } from '../scenario/unit-settings.js';
import { describeCut, type Closure, type ClosureEntry } from './closure.js';

/** Where the chroot lives in the guest (RootDirectory=). */
export function confinementRoot(service: string): string {
  return `/run/confinement/${pathSafeName(service)}`;
}

/**
 * The service's name as NixOS's mkPathSafeName makes it (@, : and \ become -, [ and ] go),
 * so that `foo@bar` gets the root NixOS would give it, /run/confinement/foo-bar.
 */
export function pathSafeName(name: string): string {
  return name.replace(/[@:\\]/g, '-').replace(/[[\]]/g, '');
}

/**
 * The settings each mode decides. Set explicitly either way, so that no change of
 * systemd's defaults can slip /dev, /proc or /sys into a chroot-only service.
 */
export const APIVFS_SETTINGS = [
  'MountAPIVFS',
  'PrivateDevices',
  'PrivateTmp',
  'PrivateUsers',
  'ProtectControlGroups',
  'ProtectKernelModules',
  'ProtectKernelTunables',
] as const;

/** Where the harness writes a confined service's drop-in. */
export function dropInPath(unit: string): string {
  return `/etc/systemd/system/${unit}.d/40-confinement.conf`;
}

export function renderConfinementDropIn(service: ServiceSpec, confinement: Confinement, closure: Closure): string {
  const root = confinementRoot(service.name);
  const wantsApiVfs = confinement.mode === 'full-apivfs' ? 'yes' : 'no';
  const lines = [
    '# Written by the harness: the NixOS confinement semantics, on this guest.',
    '[Service]',
    // RuntimeDirectory= makes the empty root (and removes it on stop); `+/` is / inside it.
    `RuntimeDirectory=confinement/${pathSafeName(service.name)}`,
    `RootDirectory=${root}`,
    'ReadOnlyPaths=+/',
    // The runtime directory is also mounted inside the chroot; nothing there needs to see itself.
    `InaccessiblePaths=-+${root}`,
  ];
  // Like NixOS's mkDefault: what the scenario sets itself wins over the mode.
  if (!isSet(service, 'PrivateMounts')) lines.push('PrivateMounts=yes');
  for (const setting of APIVFS_SETTINGS) {
    if (!isSet(service, setting)) lines.push(`${setting}=${wantsApiVfs}`);
  }
  // DynamicUser= implies a private /tmp that cannot be turned off; hide it unless asked for.
  if (!privateTmpWanted(service, confinement)) lines.push('InaccessiblePaths=-+/tmp', 'InaccessiblePaths=-+/var/tmp');
  if (closure.binSh) lines.push(`BindReadOnlyPaths=${closure.binSh}:/bin/sh`);
  for (const entry of sortedEntries(closure.entries)) lines.push(`BindReadOnlyPaths=${bindSpec(entry)}`);
  for (const path of closure.missing) lines.push(`# not in the guest, left out: ${path}`);
  for (const cut of closure.cuts) lines.push(`# notice: ${describeCut(cut)}`);
  return lines.join('\n') + '\n';
}

function bindSpec(entry: ClosureEntry): string {
  return entry.source && entry.source !== entry.path ? `${escapePath(entry.source)}:${escapePath(entry.path)}` : escapePath(entry.path);
}

/** In BindReadOnlyPaths=, a colon separates source and destination, and blanks separate entries. */
function escapePath(path: string): string {
  return path.replace(/\\/g, '\\\\').replace(/:/g, '\\:').replace(/ /g, '\\x20');
}

function sortedEntries(entries: ClosureEntry[]): ClosureEntry[] {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function isSet(service: ServiceSpec, key: string): boolean {
  return service.serviceConfig[key] !== undefined;
}

function privateTmpWanted(service: ServiceSpec, confinement: Confinement): boolean {
  const own = service.serviceConfig.PrivateTmp;
  if (own === undefined) return confinement.mode === 'full-apivfs';
  const value = Array.isArray(own) ? own[own.length - 1] : own;
  return systemdTrue(value);
}
