#!/usr/bin/env python3
"""What a running service's root holds, and what its own user may do there, seen from the
service's own mount (and user) namespace; run as root in the guest by confinement/inspect.ts
(make check compiles it). Loads everything it needs first, then joins the namespaces, takes
the service's root and ids, and only reads. Prints one JSON object (inspect.ts: Inspection).

Arguments: PID UID GID MAX_NODES GROUPS [PATH...]
  UID, GID, GROUPS (comma-separated) are the service's ids as its own user namespace sees
  them (confinement/process.ts translates them through the maps); PATHs are probed.
"""
import ctypes, errno, json, os, stat, sys
pid, uid, gid, max_nodes = (int(a) for a in sys.argv[1:5])
groups = [int(g) for g in sys.argv[5].split(',') if g]
probes = sys.argv[6:]
libc = ctypes.CDLL(None, use_errno=True)
SPECIAL_FS = {0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x73636673, 0x64626720, 0x74726163, 0xcafe4a11, 0x6165676c, 0x62656570, 0x65735543, 0xde5e81e4, 0x42494e4d}

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
    if len(nodes) >= max_nodes:
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
