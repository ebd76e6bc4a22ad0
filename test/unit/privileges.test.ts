// `process:`: what /proc/PID/status says of a service's main process, how the step reads
// it, judges it and records it. The regressions it exists for (a global drop-in handing
// every service a capability, clearing the system call filter, opening the umask) each
// turn a green expectation red here; the shipped scenarios hold them in a guest.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { capabilityNames, CAPABILITY_NAMES, parsePrivileges, type Privileges } from '../../harness/confinement/privileges.js';
import { judgeProcess, observePrivileges, parseSecurity, type ProcessExpect } from '../../harness/checks/process.js';
import { loadScenarioText } from '../../harness/load/load.js';
import { errorOf, FILE, withSteps } from '../support/load-errors.js';

// A DynamicUser service under full-apivfs on systemd 252 (bookworm), as the guest printed it.
const STATUS = `Umask:\t0022
CapInh:\t0000000000000000
CapPrm:\t0000000000000000
CapEff:\t0000000000000000
CapBnd:\t000001fff7fcffff
CapAmb:\t0000000000000000
NoNewPrivs:\t1
Seccomp:\t2
Seccomp_filters:\t3`;

const seen = parsePrivileges(42, STATUS);

test('a mask is its bits by name, in bit order; a bit newer than the table keeps its number', () => {
  assert.equal(capabilityNames('0000000000000000'), []);
  assert.equal(capabilityNames('0000000000003000'), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  assert.equal(capabilityNames('000001ffffffffff'), [...CAPABILITY_NAMES]);
  assert.equal(capabilityNames('0000020000000001'), ['CAP_CHOWN', 'cap_41']);
});

test('the status fields: ProtectKernelModules and PrivateDevices leave the bounding set, the rest as said', () => {
  assert.equal(seen.capabilities.effective, []);
  const dropped = CAPABILITY_NAMES.filter((name) => !seen.capabilities.bounding.includes(name));
  assert.equal(dropped, ['CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_MKNOD']);
  assert.equal([seen.noNewPrivileges, seen.seccomp, seen.seccompFilters, seen.umask], [true, 'filter', 3, '0022']);
});

test('a field the kernel did not print is an error that names it, not a default', () => {
  assert.throws(() => parsePrivileges(7, STATUS.replace(/^NoNewPrivs.*$/m, '')), /\/proc\/7\/status has no NoNewPrivs: line/);
  assert.throws(() => parsePrivileges(7, STATUS.replace('Seccomp:\t2', 'Seccomp:\t9')), /unknown Seccomp mode 9/);
});

const expectAsShipped: ProcessExpect = {
  capabilities: { effective: { exactly: [] }, ambient: { exactly: [] }, bounding: { excludes: ['CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_MKNOD'] } },
  noNewPrivileges: true,
  seccomp: 'filter',
  umask: '0022',
};
const changed = (edit: (p: Privileges) => void): Privileges => {
  const copy = structuredClone(seen);
  edit(copy);
  return copy;
};

test('what the service really has meets the expectation: no mismatch', () => {
  assert.equal(judgeProcess(expectAsShipped, seen), []);
});

test('a drop-in handing every service a capability is red, and says which set and what it held', () => {
  const handed = changed((p) => {
    p.capabilities.ambient = ['CAP_NET_RAW'];
    p.capabilities.effective = ['CAP_NET_RAW'];
  });
  assert.equal(judgeProcess(expectAsShipped, handed), [
    'capabilities.effective: expected exactly [], got "CAP_NET_RAW"',
    'capabilities.ambient: expected exactly [], got "CAP_NET_RAW"',
  ]);
  const bounded = changed((p) => p.capabilities.bounding.push('CAP_SYS_MODULE'));
  assert.match(judgeProcess(expectAsShipped, bounded)[0], /^capabilities\.bounding: expected excludes \[.*CAP_SYS_MODULE.*\], got/);
});

test('a cleared system call filter, a lost no-new-privileges, an opened umask: each red on its own', () => {
  assert.equal(judgeProcess(expectAsShipped, changed((p) => { p.seccomp = 'disabled'; p.seccompFilters = 0; })), ['seccomp: expected filter, got disabled']);
  assert.equal(judgeProcess(expectAsShipped, changed((p) => { p.noNewPrivileges = false; })), ['noNewPrivileges: expected true, got false']);
  assert.equal(judgeProcess(expectAsShipped, changed((p) => { p.umask = '0000'; })), ['umask: expected 0022, got 0000']);
});

test('the record has every set by name and no pid', () => {
  const observed = observePrivileges(seen);
  assert.equal(Object.keys(observed), ['capabilities.effective', 'capabilities.permitted', 'capabilities.inheritable', 'capabilities.bounding', 'capabilities.ambient', 'noNewPrivileges', 'seccomp', 'seccompFilters', 'umask']);
  assert.not.ok(JSON.stringify(observed).includes('42'));
});

test("systemd-analyze security's JSON becomes set/unset per setting; text from an older systemd is kept as said", () => {
  const json = JSON.stringify([
    { set: true, name: 'PrivateDevices=', json_field: 'PrivateDevices', description: 'Service has no access to hardware devices', exposure: null },
    { set: false, name: 'PrivateNetwork=', json_field: 'PrivateNetwork', description: 'Service has access to the host\'s network', exposure: 0.5 },
  ]);
  assert.equal(parseSecurity(json), { settings: { PrivateDevices: 'set', PrivateNetwork: 'unset' }, summary: '2 tests, unset: PrivateNetwork' });
  assert.equal(parseSecurity("Unknown option '--json=short'.\n").settings, { unavailable: "Unknown option '--json=short'." });
});

test('the loader: a bare list means exactly those; a matcher takes exactly, includes, excludes', () => {
  const text = withSteps('  - process: probe\n    expect:\n      capabilities: {effective: [], bounding: {excludes: [CAP_SYS_MODULE]}}\n      seccomp: filter\n      umask: "022"\n');
  const [step] = loadScenarioText(text, FILE, {}).steps;
  assert.equal((step as unknown as { expect: ProcessExpect }).expect, { capabilities: { effective: { exactly: [] }, bounding: { excludes: ['CAP_SYS_MODULE'] } }, seccomp: 'filter', umask: '0022' });
});

test('the loader: a capability name the kernel does not have is an error at that item, with a guess', () => {
  assert.is(errorOf(withSteps('  - process: probe\n    expect: {capabilities: {bounding: {excludes: [CAP_SYS_MODUL]}}}\n')), '8:51 steps[0].expect.capabilities.bounding.excludes[0]: unknown capability "CAP_SYS_MODUL"; did you mean CAP_SYS_MODULE?');
  assert.match(errorOf(withSteps('  - process: probe\n    expect: {capabilities: {ambient: [net_raw]}}\n')), /unknown capability "net_raw"; did you mean CAP_NET_RAW\?$/);
});

test('the loader: an unquoted umask is refused (YAML reads 0022 as the number 22), as is an empty expectation', () => {
  assert.match(errorOf(withSteps('  - process: probe\n    expect: {umask: 0022}\n')), /steps\[0\]\.expect\.umask: expected a umask in octal, e\.g\. "0022", got a number \(22\); quote it if you mean text$/);
  assert.match(errorOf(withSteps('  - process: probe\n    expect: {umask: "0099"}\n')), /expected a umask of three or four octal digits/);
  assert.match(errorOf(withSteps('  - process: probe\n    expect: {capabilities: {}}\n')), /expected at least one of effective, permitted, inheritable, bounding, ambient/);
  assert.match(errorOf(withSteps('  - process: probe\n    expect: {capabilities: {effective: {}}}\n')), /an empty matcher would match anything/);
});

test.run();
