// The confinement's pure parts: the drop-in, the closure's parsers, the chroot verdicts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeEntries, parseClosureOutput, parseNixRequisites, storeRoots, type Closure } from '../../harness/confinement/closure.js';
import { boundFor, judgeChroot, type Inspection, type InspectedNode } from '../../harness/confinement/inspect.js';
import { enterCommand, parseServiceProcess, squeezeMap, toInside } from '../../harness/confinement/process.js';
import { dropInPath, renderConfinementDropIn } from '../../harness/confinement/unit.js';
import type { Confinement, ServiceSpec } from '../../harness/scenario/types.js';

const AT = { file: 'x.yaml', line: 1, col: 1 };
const service = (serviceConfig: ServiceSpec['serviceConfig'] = {}, user = 'root'): ServiceSpec => ({ name: 'probe', exec: '/usr/bin/sleep infinity', user, serviceConfig, at: AT });
const confinement = (over: Partial<Confinement> = {}): Confinement => ({ mode: 'full-apivfs', packages: [], binSh: '/bin/sh', fullUnit: false, ...over });
const CLOSURE: Closure = {
  entries: [
    { path: '/usr/bin/sleep' },
    { path: '/lib64/ld-linux-x86-64.so.2', source: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    { path: '/lib/x86_64-linux-gnu/libc.so.6', source: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
  ],
  binSh: '/usr/bin/dash',
  missing: [],
};
const lines = (text: string) => text.trim().split('\n');

// ── the drop-in ─────────────────────────────────────────────────────────────

test('full-apivfs: an empty read-only root, private mounts, every API VFS setting on', () => {
  const text = renderConfinementDropIn(service(), confinement(), CLOSURE);
  const got = lines(text).filter((l) => !l.startsWith('#'));
  assert.equal(got, [
    '[Service]',
    'RuntimeDirectory=confinement/probe',
    'RootDirectory=/run/confinement/probe',
    'ReadOnlyPaths=+/',
    'InaccessiblePaths=-+/run/confinement/probe',
    'PrivateMounts=yes',
    'MountAPIVFS=yes',
    'PrivateDevices=yes',
    'PrivateTmp=yes',
    'PrivateUsers=yes',
    'ProtectControlGroups=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelTunables=yes',
    'BindReadOnlyPaths=/usr/bin/dash:/bin/sh',
    'BindReadOnlyPaths=/usr/lib/x86_64-linux-gnu/libc.so.6:/lib/x86_64-linux-gnu/libc.so.6',
    'BindReadOnlyPaths=/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2:/lib64/ld-linux-x86-64.so.2',
    'BindReadOnlyPaths=/usr/bin/sleep',
  ]);
  assert.is(dropInPath('probe.service'), '/etc/systemd/system/probe.service.d/40-confinement.conf');
});

test('chroot-only: every API VFS setting explicitly off, and /tmp hidden', () => {
  const got = lines(renderConfinementDropIn(service(), confinement({ mode: 'chroot-only' }), CLOSURE));
  for (const key of ['MountAPIVFS', 'PrivateDevices', 'PrivateTmp', 'PrivateUsers', 'ProtectControlGroups', 'ProtectKernelModules', 'ProtectKernelTunables']) {
    assert.ok(got.includes(`${key}=no`), `${key}=no in:\n${got.join('\n')}`);
  }
  assert.ok(got.includes('InaccessiblePaths=-+/tmp') && got.includes('InaccessiblePaths=-+/var/tmp'));
});

test("the scenario's own settings win over the mode's, as mkDefault does in NixOS", () => {
  const got = lines(renderConfinementDropIn(service({ PrivateTmp: 'yes', PrivateMounts: 'no' }), confinement({ mode: 'chroot-only' }), CLOSURE));
  assert.not.ok(got.some((l) => l.startsWith('PrivateTmp=') || l.startsWith('PrivateMounts=')));
  assert.not.ok(got.includes('InaccessiblePaths=-+/tmp'));
  const off = lines(renderConfinementDropIn(service({ PrivateTmp: 'no' }), confinement(), CLOSURE));
  assert.ok(off.includes('InaccessiblePaths=-+/tmp'), 'full-apivfs with PrivateTmp=no hides the /tmp DynamicUser would imply');
});

test('binSh null binds no /bin/sh; odd characters in paths are escaped; missing paths are said', () => {
  const got = lines(renderConfinementDropIn(service(), confinement({ binSh: null }), { entries: [{ path: '/srv/a b:c' }], missing: ['/nope'] }));
  assert.not.ok(got.some((l) => l.includes(':/bin/sh')));
  assert.ok(got.includes('BindReadOnlyPaths=/srv/a\\x20b\\:c'));
  assert.ok(got.includes('# not in the guest, left out: /nope'));
});

// ── the closure ─────────────────────────────────────────────────────────────

test('closure script output: binds, the shell, missing paths', () => {
  const recorded = [
    'bind\t/usr/bin/sleep\t/usr/bin/sleep',
    'bind\t/lib/x86_64-linux-gnu/libc.so.6\t/usr/lib/x86_64-linux-gnu/libc.so.6',
    'missing\t/srv/gone\t',
    'binsh\t/usr/bin/dash\t',
    '',
  ].join('\n');
  assert.equal(parseClosureOutput(recorded), {
    entries: [{ path: '/usr/bin/sleep' }, { path: '/lib/x86_64-linux-gnu/libc.so.6', source: '/usr/lib/x86_64-linux-gnu/libc.so.6' }],
    binSh: '/usr/bin/dash',
    missing: ['/srv/gone'],
  });
});

test('nix-store --query --requisites output: store paths only, a symlink bound from its target', () => {
  // in the form `nix-store -qR` prints it (the hashes are made up; no Nix guest is built here)
  const printed = `/nix/store/0p4bvrb0c4fw7s6i2dwzpfp0ya3qx6jr-libunistring-1.1
/nix/store/8lfxl4bqn4c9x6p8i7l6p4dkz5ws6c2k-libidn2-2.3.7
/nix/store/1rm6sr6ixxzipv5358x0cmaw8rs84g2j-glibc-2.39-52
/nix/store/5wq4ralcqbxl9sbzc1bx0jrvdzs9hfz1-xgcc-13.2.0-libgcc
/nix/store/php4qidg2bxzmm79vpri025bqi0fa889-coreutils-9.5
/nix/store/ssssssssssssssssssssssssssssssss-symlink
warning: something unrelated
`;
  const entries = parseNixRequisites(printed, new Map([['/nix/store/ssssssssssssssssssssssssssssssss-symlink', '/nix/store/tttttttttttttttttttttttttttttttt-symlink-target']]));
  assert.is(entries.length, 6);
  assert.equal(entries[4], { path: '/nix/store/php4qidg2bxzmm79vpri025bqi0fa889-coreutils-9.5' });
  assert.equal(entries[5], { path: '/nix/store/ssssssssssssssssssssssssssssssss-symlink', source: '/nix/store/tttttttttttttttttttttttttttttttt-symlink-target' });
});

test('on a Nix guest the store paths of the found files are what nix-store is asked about', () => {
  const glibc = '/nix/store/1rm6sr6ixxzipv5358x0cmaw8rs84g2j-glibc-2.39-52';
  const entries = [
    { path: '/run/current-system/sw/bin/sleep', source: '/nix/store/php4qidg2bxzmm79vpri025bqi0fa889-coreutils-9.5/bin/sleep' },
    { path: `${glibc}/lib/libc.so.6` },
    { path: `${glibc}/lib/ld-linux-x86-64.so.2` },
    { path: '/usr/bin/env' },
  ];
  assert.equal(storeRoots(entries), ['/nix/store/php4qidg2bxzmm79vpri025bqi0fa889-coreutils-9.5', glibc]);
  assert.equal(storeRoots([{ path: '/usr/bin/sleep' }]), [], 'an ordinary distribution asks Nix nothing');
  const merged = mergeEntries(entries, [{ path: glibc }, { path: `${glibc}/lib/libc.so.6`, source: 'elsewhere' }]);
  assert.is(merged.length, 5);
  assert.equal(merged[4], { path: glibc });
  assert.equal(merged[1], { path: `${glibc}/lib/libc.so.6` }, 'the first binding of a path wins');
});

// ── the chroot's verdicts ───────────────────────────────────────────────────

const node = (path: string, level: InspectedNode['level'], type = 'dir', mode = '0755'): InspectedNode => ({ path, level, type, mode, uid: 0, gid: 0 });
const inspection = (over: Partial<Inspection> = {}): Inspection => ({
  pid: 42,
  uid: 61292,
  gid: 61292,
  entries: ['bin', 'run', 'tmp', 'usr'],
  nodes: [node('/', 'readable'), node('/bin', 'readable'), node('/bin/sh', 'readable', 'file'), node('/run', 'sticky', 'dir', '1777'), node('/run/x', 'writable', 'file', '0644'), node('/tmp', 'sticky', 'dir', '1777'), node('/usr', 'readable')],
  probes: { '/bin/sh': [true, true], '/etc': [false, false], '/srv/link': [false, true] },
  truncated: false,
  ...over,
});

test('a listed level bounds the path and what lies below it; default bounds the rest', () => {
  const bounds: Array<[string, 'sticky' | 'writable']> = [['/run', 'sticky'], ['/run/private', 'writable']];
  assert.is(boundFor('/run', bounds), 'sticky');
  assert.is(boundFor('/run/x', bounds), 'sticky');
  assert.is(boundFor('/run/private/y', bounds), 'writable');
  assert.is(boundFor('/running', bounds), undefined);
});

test('every offending path is listed, with what it is', () => {
  const mismatches = judgeChroot({ access: { '/run': 'sticky', '/tmp': 'sticky', default: 'readable' } }, inspection());
  assert.is(mismatches.length, 1);
  assert.match(mismatches[0], 'access (as uid 61292, gid 61292): /run/x is writable, at most sticky allowed (file 0644, uid 0, gid 0)');
  const strict = judgeChroot({ access: { default: 'readable' } }, inspection());
  assert.match(strict[0], '/run is sticky, at most readable allowed');
  assert.match(strict[0], '/run/x is writable');
  assert.match(strict[0], '/tmp is sticky');
});

test('contains, absent, entries; a listed access path must be there', () => {
  assert.equal(judgeChroot({ contains: ['/bin/sh'], absent: ['/etc'], entries: { includes: ['bin', 'run'] } }, inspection()), []);
  assert.equal(judgeChroot({ contains: ['/etc', '/srv/link'] }, inspection()), ['contains: missing /etc, /srv/link (a dangling symlink)']);
  assert.equal(judgeChroot({ absent: ['/bin/sh', '/srv/link'] }, inspection()), ['absent: present /bin/sh, /srv/link']);
  assert.match(judgeChroot({ entries: { exactly: ['bin', 'run', 'usr'] } }, inspection())[0], 'entries: expected exactly ["bin", "run", "usr"], got "bin run tmp usr"');
  assert.equal(judgeChroot({ access: { '/proc': 'special' } }, inspection()), ['access: listed but not in the root: /proc']);
});

// ── entering a service ──────────────────────────────────────────────────────

test("a service's process: host ids translated into its user namespace", () => {
  const recorded = [
    'pid 948',
    'Uid:\t61292\t61292\t61292\t61292',
    'Gid:\t61292\t61292\t61292\t61292',
    'userns user:[4026532208] user:[4026531837]',
    'uid_map          0          0          1',
    'uid_map      61292      61292          1',
    'gid_map          0          0          1',
    'gid_map      61292      61292          1',
  ].join('\n');
  const process = parseServiceProcess(recorded)!;
  assert.equal({ ...process, uidMap: squeezeMap(process.uidMap) }, { pid: 948, uid: 61292, gid: 61292, privateUserns: true, uidMap: '0 0 1\n61292 61292 1', gidMap: process.gidMap });
  assert.is(toInside(1000, '0 100000 65536'), 65534, 'an unmapped id is the overflow id');
  assert.is(toInside(100005, '0 100000 65536'), 5);
  assert.is(parseServiceProcess('pid 0\n'), undefined);
  assert.is(enterCommand(process, 'echo hi'), "nsenter -t 948 -a -r -w -S 61292 -G 61292 -- /bin/sh -c 'echo hi'");
});

test.run();
