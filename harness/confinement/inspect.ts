// What a running service's root holds, and what its own user may do there, seen from the
// service's own mount (and user) namespace. The chroot holds no tools, so the look is taken
// by a Python program that loads everything it needs first, then joins the namespaces,
// takes the service's root and ids, and only reads: nothing is added to the chroot, not
// even a probe file (writability is judged by access(2), which honours read-only mounts).
// The levels are those of NixOS's nixos/tests/systemd-confinement/checkperms.py; judging them
// against a step's expectation is checks/chroot.ts's.
import { ACCESS_LEVELS, type AccessLevel, type ChrootExpect } from '../scenario/types.js';

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

/** The program; argv: PID, then the paths to probe. Prints one JSON Inspection. */
export const INSPECT_PY = String.raw`
import ctypes, errno, json, os, stat, sys
pid, probes = int(sys.argv[1]), sys.argv[2:]
libc = ctypes.CDLL(None, use_errno=True)
SPECIAL_FS = {0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x73636673, 0x64626720, 0x74726163, 0xcafe4a11, 0x6165676c, 0x62656570, 0x65735543, 0xde5e81e4, 0x42494e4d}

def status_ids(kind):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(kind + ':'):
                return [int(x) for x in line.split()[1:]]
    return []

def inside(outside, kind):
    # /proc/PID/status shows host ids; the look is taken inside the service's user namespace.
    with open('/proc/%d/%s_map' % (pid, kind)) as f:
        for line in f:
            first, lower, count = (int(x) for x in line.split())
            if lower <= outside < lower + count:
                return first + outside - lower
    return 65534

uid = inside(status_ids('Uid')[1], 'uid')
gid = inside(status_ids('Gid')[1], 'gid')
groups = [inside(g, 'gid') for g in status_ids('Groups')]
private_userns = os.readlink('/proc/%d/ns/user' % pid) != os.readlink('/proc/self/ns/user')
user_fd = os.open('/proc/%d/ns/user' % pid, os.O_RDONLY)
mnt_fd = os.open('/proc/%d/ns/mnt' % pid, os.O_RDONLY)
root_fd = os.open('/proc/%d/root' % pid, os.O_RDONLY | os.O_DIRECTORY)

def setns(fd, what):
    if libc.setns(fd, 0) != 0:
        raise OSError(ctypes.get_errno(), 'setns ' + what)

# systemd 252 makes the mount namespace before the user namespace, so the mount namespace
# may belong to the host's: join it first, and only otherwise after the user namespace.
try:
    setns(mnt_fd, 'mnt'); joined_mnt = True
except OSError:
    joined_mnt = False
if private_userns:
    setns(user_fd, 'user')
if not joined_mnt:
    setns(mnt_fd, 'mnt')
os.fchdir(root_fd)
os.chroot('.')
os.chdir('/')
try:
    os.setgroups(groups)
except PermissionError:
    # PrivateUsers= writes "deny" to /proc/PID/setgroups; the service could not either.
    pass
os.setgid(gid)
os.setuid(uid)

statfs_buf = ctypes.create_string_buffer(256)
def fs_type(path):
    if libc.statfs(path.encode(), statfs_buf) != 0:
        return 0
    return ctypes.c_long.from_buffer(statfs_buf).value

def can(path, mode):
    return os.access(path, mode, effective_ids=True, follow_symlinks=False)

def judge(path, st):
    if stat.S_ISLNK(st.st_mode):
        return 'link', 'readable'
    if stat.S_ISDIR(st.st_mode):
        if fs_type(path) in SPECIAL_FS:
            return 'specialfs', 'special'
        if can(path, os.W_OK | os.X_OK):
            return 'dir', 'sticky' if st.st_mode & stat.S_ISVTX else 'writable'
        return 'dir', 'readable' if can(path, os.R_OK) or can(path, os.X_OK) else 'none'
    if stat.S_ISREG(st.st_mode):
        if can(path, os.W_OK):
            return 'file', 'writable'
        return 'file', 'readable' if can(path, os.R_OK) else 'none'
    if can(path, os.W_OK):
        return 'other', 'special'
    return 'other', 'readable' if can(path, os.R_OK) else 'none'

nodes, truncated = [], False
def walk(path):
    global truncated
    if len(nodes) >= ${MAX_NODES}:
        truncated = True
        return
    try:
        st = os.lstat(path)
    except OSError:
        return
    kind, level = judge(path, st)
    nodes.append({'path': path, 'level': level, 'type': kind, 'mode': '%04o' % stat.S_IMODE(st.st_mode), 'uid': st.st_uid, 'gid': st.st_gid})
    if kind != 'dir':
        return
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return
    for name in names:
        walk(os.path.join(path, name))

# "absent" only when the kernel says there is no such name; not being allowed to look (EACCES
# on a directory above it) is another answer, which os.path.lexists would call absent.
NOT_THERE = (errno.ENOENT, errno.ENOTDIR)
def probe(path):
    try:
        st = os.lstat(path)
    except OSError as e:
        if e.errno in NOT_THERE:
            return {'found': 'absent'}
        return {'found': 'unknown', 'error': os.strerror(e.errno)}
    if not stat.S_ISLNK(st.st_mode):
        return {'found': 'exists'}
    try:
        os.stat(path)
        return {'found': 'exists'}
    except OSError as e:
        if e.errno in NOT_THERE + (errno.ELOOP,):
            return {'found': 'dangling symlink'}
        return {'found': 'unknown', 'error': 'a symlink whose target could not be looked at: ' + os.strerror(e.errno)}

walk('/')
try:
    entries = sorted(os.listdir('/'))
except OSError:
    entries = []
result = {'pid': pid, 'uid': uid, 'gid': gid, 'entries': entries, 'nodes': nodes, 'truncated': truncated,
          'probes': {p: probe(p) for p in probes}}
sys.stdout.write(json.dumps(result))
`;

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
