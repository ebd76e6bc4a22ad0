// The confinement's pure parts: the drop-in, the closure's parsers, the chroot verdicts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mergeEntries, parseClosureOutput, parseNixListing, parseNixRequisites, storeRoots, type Closure } from '../../harness/confinement/closure.js';
import { boundFor, defaultAccess, judgeChroot } from '../../harness/checks/chroot.js';
import { parseInspection, type Inspection, type InspectedNode } from '../../harness/confinement/inspect.js';
import { enterCommand, parseServiceProcess, squeezeMap, toInside } from '../../harness/confinement/process.js';
import { confinementRoot, dropInPath, pathSafeName, renderConfinementDropIn } from '../../harness/confinement/unit.js';
import type { Confinement, ServiceSpec } from '../../harness/scenario/types.js';

const AT = { file: 'x.yaml', line: 1, col: 1 };
const service = (serviceConfig: ServiceSpec['serviceConfig'] = {}): ServiceSpec => ({ name: 'probe', exec: '/usr/bin/sleep infinity', user: { kind: 'root' }, serviceConfig, at: AT });
const confinement = (over: Partial<Confinement> = {}): Confinement => ({ mode: 'full-apivfs', packages: [], binSh: '/bin/sh', fullUnit: false, ...over });
const CLOSURE: Closure = {
  entries: [
    { path: '/usr/bin/sleep' },
    { path: '/lib64/ld-linux-x86-64.so.2', source: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    { path: '/lib/x86_64-linux-gnu/libc.so.6', source: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
  ],
  binSh: '/usr/bin/dash',
  missing: [],
  cuts: [],
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

test("a service's root and runtime directory use NixOS's path-safe name", () => {
  assert.is(pathSafeName('foo@bar'), 'foo-bar');
  assert.is(pathSafeName('a:b\\c[d]'), 'a-b-cd');
  assert.is(confinementRoot('probe@one'), '/run/confinement/probe-one');
  const got = lines(renderConfinementDropIn({ ...service(), name: 'probe@one' }, confinement(), CLOSURE));
  assert.ok(got.includes('RuntimeDirectory=confinement/probe-one') && got.includes('InaccessiblePaths=-+/run/confinement/probe-one'));
});

test('binSh null binds no /bin/sh; odd characters in paths are escaped; missing paths and cut packages are said', () => {
  const cuts = [{ path: '/opt/big', followed: 1000, programs: 1234 }];
  const got = lines(renderConfinementDropIn(service(), confinement({ binSh: null }), { entries: [{ path: '/srv/a b:c' }], missing: ['/nope'], cuts }));
  assert.not.ok(got.some((l) => l.includes(':/bin/sh')));
  assert.ok(got.includes('BindReadOnlyPaths=/srv/a\\x20b\\:c'));
  assert.ok(got.includes('# not in the guest, left out: /nope'));
  assert.ok(got.includes('# notice: packages: /opt/big holds 1234 programs; only the libraries and interpreters of the first 1000 (in name order) were followed, the rest are bound without theirs'), got.join('\n'));
});

// ── the closure ─────────────────────────────────────────────────────────────

test('closure script output: binds, the shell, missing paths', () => {
  const recorded = [
    'bind\t/usr/bin/sleep\t/usr/bin/sleep',
    'bind\t/lib/x86_64-linux-gnu/libc.so.6\t/usr/lib/x86_64-linux-gnu/libc.so.6',
    'missing\t/srv/gone\t',
    'binsh\t/usr/bin/dash\t',
    'cut\t/opt/big\t1000 1234',
    '',
  ].join('\n');
  assert.equal(parseClosureOutput(recorded), {
    entries: [{ path: '/usr/bin/sleep' }, { path: '/lib/x86_64-linux-gnu/libc.so.6', source: '/usr/lib/x86_64-linux-gnu/libc.so.6' }],
    binSh: '/usr/bin/dash',
    missing: ['/srv/gone'],
    cuts: [{ path: '/opt/big', followed: 1000, programs: 1234 }],
  });
});

// Recorded from the debian-bookworm guest's real /nix/store (test/fixtures/nix/README.md):
// computeClosures' listing over the requisites of harness-demo.nix's app and tool-link.
const NIX_LISTING = readFileSync(fileURLToPath(new URL('../../../test/fixtures/nix/closure-listing.txt', import.meta.url)), 'utf8');
const STORE = {
  greeting: '/nix/store/45pp6jbz5mpziy7ginqrza3qysclkic7-harness-greeting',
  tool: '/nix/store/fkfkcs4556kh5qkzz62hlic5l9s24854-harness-tool',
  sleep: '/nix/store/ra0mks2zmjvnbj86p9q1485g1z65j261-harness-sleep',
  app: '/nix/store/g7pigzyks8dmhlv840234gc9jg39i6r6-harness-app',
  toolLink: '/nix/store/lklfgp1c7nsmy1rky8j4kh5cvl7c0mpg-harness-tool-link',
};

test('nix-store --query --requisites output: store paths only, in its order, noise left out', () => {
  // the fixture's first column is what nix-store printed; a line that is no store path (a
  // warning, were stderr mixed in) is left out
  const printed = NIX_LISTING.split('\n').map((line) => line.split('\t')[0]).join('\n') + 'warning: the group \'nixbld\' specified in \'build-users-group\' does not exist\n';
  const entries = parseNixRequisites(printed);
  assert.equal(entries, [{ path: STORE.greeting }, { path: STORE.tool }, { path: STORE.sleep }, { path: STORE.app }, { path: STORE.toolLink }]);
  const twice = parseNixRequisites(`${printed}\n${printed}`);
  assert.is(twice.length, 5, 'a path printed for two roots is bound once');
});

test("computeClosures' listing from a real guest: the store-path symlink is bound from its target", () => {
  const entries = parseNixListing(NIX_LISTING);
  assert.equal(entries, [
    { path: STORE.greeting },
    { path: STORE.tool },
    { path: STORE.sleep },
    { path: STORE.app },
    { path: STORE.toolLink, source: STORE.tool },
  ]);
  // the same through parseNixRequisites with the symlink map computeClosures builds
  assert.equal(parseNixRequisites(NIX_LISTING.replace(/\t.*/g, ''), new Map([[STORE.toolLink, STORE.tool]])), entries);
});

test('on a Nix guest the store paths of the found files are what nix-store is asked about', () => {
  // what closureScript found for the scenario's harness-nix-app.service with the tool-link
  // package (the bindings of the drop-in that run wrote): the symlink package already bound
  // from its target, so the target's store path is the root nix-store is asked about
  const found = [
    { path: `${STORE.app}/bin/app` },
    { path: '/bin/sh', source: '/usr/bin/dash' },
    { path: '/lib/x86_64-linux-gnu/libc.so.6', source: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
    { path: '/lib64/ld-linux-x86-64.so.2', source: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    { path: STORE.toolLink, source: STORE.tool },
    { path: `${STORE.tool}/bin/tool` },
    { path: '/usr/bin/dash' },
  ];
  assert.equal(storeRoots(found), [STORE.app, STORE.tool]);
  assert.equal(storeRoots([{ path: '/usr/bin/sleep' }]), [], 'an ordinary distribution asks Nix nothing');
  const merged = mergeEntries(found, parseNixListing(NIX_LISTING));
  assert.equal(merged.slice(found.length), [{ path: STORE.greeting }, { path: STORE.tool }, { path: STORE.sleep }, { path: STORE.app }], 'whole store paths join, what ldd never saw among them');
  assert.equal(merged[4], { path: STORE.toolLink, source: STORE.tool });
  const again = mergeEntries(merged, [{ path: `${STORE.app}/bin/app`, source: 'elsewhere' }]);
  assert.equal(again, merged, 'the first binding of a path wins');
});

// ── the chroot's verdicts ───────────────────────────────────────────────────

const node = (path: string, level: InspectedNode['level'], type: InspectedNode['type'] = 'dir', mode = '0755'): InspectedNode => ({ path, level, type, mode, uid: 0, gid: 0 });
const inspection = (over: Partial<Inspection> = {}): Inspection => ({
  pid: 42,
  uid: 61292,
  gid: 61292,
  entries: ['bin', 'run', 'tmp', 'usr'],
  nodes: [node('/', 'readable'), node('/bin', 'readable'), node('/bin/sh', 'readable', 'file'), node('/run', 'sticky', 'dir', '1777'), node('/run/x', 'writable', 'file', '0644'), node('/tmp', 'sticky', 'dir', '1777'), node('/usr', 'readable')],
  probes: { '/bin/sh': { found: 'exists' }, '/etc': { found: 'absent' }, '/srv/link': { found: 'dangling symlink' }, '/root/x': { found: 'unknown', error: 'Permission denied' } },
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

test("the inspection program's output: known node types and levels pass, an unknown one fails naming it", () => {
  const printed = (type: string, level: string) => JSON.stringify({ ...inspection(), nodes: [{ path: '/dev/x', level, type, mode: '0600', uid: 0, gid: 0 }] });
  assert.equal(parseInspection(printed('specialfs', 'special')), inspection({ nodes: [node('/dev/x', 'special', 'specialfs', '0600')] }));
  assert.throws(() => parseInspection(printed('door', 'readable')), (err: Error) => err.message === 'the chroot inspection gave /dev/x the unknown type "door" (known: file, dir, link, other, specialfs)');
  assert.throws(() => parseInspection(printed('file', 'executable')), (err: Error) => err.message === 'the chroot inspection gave /dev/x the unknown level "executable" (known: none, readable, special, sticky, writable)');
  const probed = JSON.stringify({ ...inspection(), probes: { '/x': { found: 'maybe' } } });
  assert.throws(() => parseInspection(probed), (err: Error) => err.message === 'the chroot inspection found /x "maybe" (known: exists, dangling symlink, absent, unknown)');
});

test('contains, absent, entries; a listed access path must be there', () => {
  assert.equal(judgeChroot({ contains: ['/bin/sh'], absent: ['/etc'], entries: { includes: ['bin', 'run'] } }, inspection()), []);
  assert.equal(judgeChroot({ contains: ['/etc', '/srv/link'] }, inspection()), ['contains: missing /etc, /srv/link (a dangling symlink)']);
  assert.equal(judgeChroot({ absent: ['/bin/sh', '/srv/link'] }, inspection()), ['absent: present /bin/sh, /srv/link']);
  assert.match(judgeChroot({ entries: { exactly: ['bin', 'run', 'usr'] } }, inspection())[0], 'entries: expected exactly ["bin", "run", "usr"], got "bin run tmp usr"');
  assert.equal(judgeChroot({ access: { '/proc': 'special', default: 'writable' } }, inspection()), ['access: listed but not in the root: /proc']);
});

test('absent: a path the service may not look at is neither absent nor present: both keys fail, saying why', () => {
  assert.equal(judgeChroot({ absent: ['/etc', '/root/x'] }, inspection()), ["absent: could not look at /root/x (Permission denied), as the service's user"]);
  assert.equal(judgeChroot({ contains: ['/bin/sh', '/root/x'] }, inspection()), ["contains: could not look at /root/x (Permission denied), as the service's user"]);
  assert.equal(judgeChroot({ absent: ['/never-probed'] }, inspection()), ["absent: could not look at /never-probed (not probed), as the service's user"]);
});

test("access without default bounds everything, as NixOS's checkperms: readable for a user, writable for root", () => {
  const asUser = judgeChroot({ access: { '/tmp': 'sticky' } }, inspection());
  assert.is(asUser.length, 1);
  assert.match(asUser[0], '/run is sticky, at most readable allowed');
  assert.match(asUser[0], '/run/x is writable, at most readable allowed');
  assert.not.match(asUser[0], '/tmp is');
  assert.equal(judgeChroot({ access: { '/run': 'writable', '/tmp': 'sticky' } }, inspection()), [], 'what is listed bounds what lies below it');
  assert.equal(judgeChroot({ access: { '/tmp': 'sticky' } }, inspection({ uid: 0, gid: 0 })), [], 'root may write anywhere');
  assert.is(defaultAccess(0), 'writable');
  assert.is(defaultAccess(61292), 'readable');
});

// ── entering a service ──────────────────────────────────────────────────────

test("a service's process: host ids translated into its user namespace", () => {
  const recorded = [
    'pid 948',
    'Uid:\t61292\t61292\t61292\t61292',
    'Gid:\t61292\t61292\t61292\t61292',
    'Groups:\t61292 100 ',
    'userns user:[4026532208] user:[4026531837]',
    'uid_map          0          0          1',
    'uid_map      61292      61292          1',
    'gid_map          0          0          1',
    'gid_map      61292      61292          1',
  ].join('\n');
  const process = parseServiceProcess(recorded)!;
  assert.equal({ ...process, uidMap: squeezeMap(process.uidMap) }, { pid: 948, uid: 61292, gid: 61292, groups: [61292, 65534], privateUserns: true, uidMap: '0 0 1\n61292 61292 1', gidMap: process.gidMap });
  assert.is(toInside(1000, '0 100000 65536'), 65534, 'an unmapped id is the overflow id');
  assert.is(toInside(100005, '0 100000 65536'), 5);
  assert.is(parseServiceProcess('pid 0\n'), undefined);
  assert.is(enterCommand(process, 'echo hi'), "nsenter -t 948 -a -r -w -S 61292 -G 61292 -- /bin/sh -c 'echo hi'");
});

test.run();
