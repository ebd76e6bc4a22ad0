// What a running service's root holds, and what its own user may do there, seen from the
// service's own mount (and user) namespace. The chroot holds no tools, so the look is taken
// by a Python program that loads everything it needs first, then joins the namespaces,
// takes the service's root and ids, and only reads: nothing is added to the chroot, not
// even a probe file (writability is judged by access(2), which honours read-only mounts).
// The levels are those of NixOS's nixos/tests/systemd-confinement/checkperms.py; judging them
// against a step's expectation is checks/chroot.ts's.
import { shellQuote } from '../util/quote.js';
import { ACCESS_LEVELS, type AccessLevel, type ChrootExpect } from '../scenario/types.js';
import { programText } from '../util/program-text.js';
import type { ServiceProcess } from './process.js';

/** What INSPECT_PY's judge() calls a path: `specialfs` is a directory on an API file system
 *  (proc, sysfs, cgroup, …), `other` anything neither file, directory nor symlink (a device,
 *  a fifo, a socket). */
export const NODE_TYPES = ['file', 'dir', 'link', 'other', 'specialfs'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** One path of the chroot and the most its service's user may do with it. */
export interface InspectedNode {
  path: string;
  level: AccessLevel;
  type: NodeType;
  mode: string;
  uid: number;
  gid: number;
}

export interface Inspection {
  pid: number;
  /** The service's ids as its own user namespace sees them (what the look was taken as). */
  uid: number;
  gid: number;
  entries: string[];
  nodes: InspectedNode[];
  /** Each probed path as the service's user found it. */
  probes: Record<string, Probe>;
  truncated: boolean;
}

/** What a probe may find: the path is there (following symlinks), is a symlink to nothing,
 *  is not there, or could not be looked at (EACCES on a directory above it, and the like). */
export const PROBE_FINDINGS = ['exists', 'dangling symlink', 'absent', 'unknown'] as const;
export type ProbeFinding = (typeof PROBE_FINDINGS)[number];

/** `error` (strerror, and what it was about) says why a probe found `unknown`. */
export interface Probe {
  found: ProbeFinding;
  error?: string;
}

export const MAX_NODES = 20000;

/** inspect.py, beside this file (`npm run build` copies it into dist/). */
export const INSPECT_PY = programText('confinement/inspect.py');

/** The command that runs INSPECT_PY (given on stdin) on `process`, probing `probes`. */
export function inspectCommand(process: ServiceProcess, probes: string[]): string {
  const args = [process.pid, process.uid, process.gid, MAX_NODES, process.groups.join(','), ...probes].map(String);
  return ['python3', '-', ...args].map(shellQuote).join(' ');
}

type RawNode = Omit<InspectedNode, 'type' | 'level'> & { type: string; level: string };

/**
 * INSPECT_PY's output as an Inspection. The program is the harness's own, so its shape is
 * trusted; its two words from a fixed set are checked, since a word this file does not know
 * would otherwise be judged as some level it is not (an unknown level ranks below `none`).
 */
export function parseInspection(output: string): Inspection {
  const raw = JSON.parse(output) as Omit<Inspection, 'nodes' | 'probes'> & { nodes: RawNode[]; probes: Record<string, { found: string; error?: string }> };
  const probes: Record<string, Probe> = {};
  for (const [path, { found, error }] of Object.entries(raw.probes)) {
    if (!isOneOf(found, PROBE_FINDINGS)) throw new Error(`the chroot inspection found ${path} "${found}" (known: ${PROBE_FINDINGS.join(', ')})`);
    probes[path] = error === undefined ? { found } : { found, error };
  }
  return { ...raw, nodes: raw.nodes.map(parseNode), probes };
}

/** A probe's finding in words, for the report and the record. */
export function describeProbe(probe: Probe): string {
  return probe.found === 'unknown' ? `could not look (${probe.error ?? 'no reason given'})` : probe.found;
}

function parseNode(node: RawNode): InspectedNode {
  const { type, level } = node;
  if (!isOneOf(type, NODE_TYPES)) throw new Error(`the chroot inspection gave ${node.path} the unknown type "${type}" (known: ${NODE_TYPES.join(', ')})`);
  if (!isOneOf(level, ACCESS_LEVELS)) throw new Error(`the chroot inspection gave ${node.path} the unknown level "${level}" (known: ${ACCESS_LEVELS.join(', ')})`);
  return { ...node, type, level };
}

function isOneOf<T extends string>(word: string, known: readonly T[]): word is T {
  return (known as readonly string[]).includes(word);
}

/** The paths a chroot step asks about by name. */
export function probedPaths(expect: ChrootExpect): string[] {
  return [...new Set([...(expect.contains ?? []), ...(expect.absent ?? [])])];
}
