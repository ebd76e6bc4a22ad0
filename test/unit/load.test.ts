import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ScenarioError, ScenarioErrors } from '../../harness/scenario/errors.js';
import { loadScenarioFile, loadScenarios, loadScenarioText } from '../../harness/load/load.js';
import type { Scenario } from '../../harness/load/scenario.js';
import type { ChrootStep } from '../../harness/checks/chroot.js';
import type { FileStep } from '../../harness/checks/file.js';
import type { JournalStep } from '../../harness/checks/journal.js';
import type { RunStep } from '../../harness/checks/run.js';
import type { ServiceActionStep } from '../../harness/checks/service.js';
import type { UnitStep } from '../../harness/checks/unit.js';
import type { UsernsStep } from '../../harness/checks/userns.js';
import type { RebootStep } from '../../harness/checks/reboot.js';
import { tempDir } from '../support/harness.js';
import { errorOf, errorsOf, FILE, withSteps } from '../support/load-errors.js';

const FULL = `name: everything the loader knows
description: |
  free text
tags: [confinement, smoke]
image: [debian-bookworm, debian-trixie]
timeout: 90s

vm:
  memory: 1024
  cpus: 4
  threads: 2
  cpuModel: Skylake-Server
  kernelParams: [nosmt, "quiet"]
  accel: tcg

files:
  /etc/security/access.conf:
    content: |
      -:alice:ALL
    mode: "0644"
    owner: root
    group: adm
  /etc/motd:
    content: ""

sysctl:
  user.max_user_namespaces: 0
  kernel.yama.ptrace_scope: "2"
  net.ipv4.ip_local_port_range: 1024 65000

services:
  probe:
    exec: /usr/bin/sleep infinity
    user: dynamic
    serviceConfig:
      PrivateTmp: true
      ProtectHome: false
      StateDirectory: probe
      LimitNOFILE: 1024
      Environment: [A=1, B=2, 3, yes]
  named:
    exec: -/usr/bin/true
    user: alice
  ssh:
    unit: ssh.service

steps:
  - start: probe
  - stop: probe
  - restart: ssh
  - name: unprivileged user namespaces are off
    run: unshare --user true
    user: alice
    expect:
      exit: 1
      stdout: exact text
      stderr: {contains: "No space left on device", not: {matches: "^Perm"}}
    within: 30s
    every: 250ms
  - run: |
      echo one
      echo two
  - file: /sys/devices/system/cpu/smt/control
    expect: {exists: true, content: "off", mode: "0644", owner: root, group: root}
  - file: /etc/shadow
    expect: {content: {notContains: alice}, mode: "640"}
  - file: /nonexistent
    expect: {exists: false}
  - unit: probe
    expect: {ActiveState: active, SubState: {equals: running}, NoNewPrivileges: true, NRestarts: 0}
`;

test('a scenario using every supported key loads into the typed form', () => {
  const s = loadScenarioText(FULL, FILE, {});
  assert.is(s.name, 'everything the loader knows');
  assert.is(s.description, 'free text\n');
  assert.equal(s.tags, ['confinement', 'smoke']);
  assert.equal(s.images, ['debian-bookworm', 'debian-trixie']);
  assert.is(s.timeoutMs, 90_000);
  assert.is(s.file, FILE);
  assert.equal(s.guests[0].vm, { memory: 1024, cpus: 4, threads: 2, cpuModel: 'Skylake-Server', kernelParams: ['nosmt', 'quiet'], accel: 'tcg' });
  assert.equal(s.guests[0].files, {
    '/etc/security/access.conf': { content: '-:alice:ALL\n', mode: '0644', owner: 'root', group: 'adm', at: { file: FILE, line: 17, col: 3 } },
    '/etc/motd': { content: '', at: { file: FILE, line: 23, col: 3 } },
  });
  assert.equal(s.guests[0].sysctl, {
    'user.max_user_namespaces': '0',
    'kernel.yama.ptrace_scope': '2',
    'net.ipv4.ip_local_port_range': '1024 65000',
  });
  assert.equal(s.guests[0].services, [
    {
      name: 'probe',
      exec: '/usr/bin/sleep infinity',
      user: { kind: 'dynamic' },
      serviceConfig: {
        PrivateTmp: 'yes',
        ProtectHome: 'no',
        StateDirectory: 'probe',
        LimitNOFILE: '1024',
        Environment: ['A=1', 'B=2', '3', 'yes'],
      },
      at: { file: FILE, line: 32, col: 3 },
    },
    { name: 'named', exec: '-/usr/bin/true', user: { kind: 'static', name: 'alice' }, serviceConfig: {}, at: { file: FILE, line: 41, col: 3 } },
    { name: 'ssh', unit: 'ssh.service', user: { kind: 'root' }, serviceConfig: {}, at: { file: FILE, line: 44, col: 3 } },
  ]);
});

test('steps of every supported kind, with their defaults', () => {
  const s = loadScenarioText(FULL, FILE, {});
  assert.equal(
    s.steps.map((step) => [step.kind, step.name, step.at.line, step.at.col]),
    [
      ['start', 'start: probe', 48, 5],
      ['stop', 'stop: probe', 49, 5],
      ['restart', 'restart: ssh', 50, 5],
      ['run', 'unprivileged user namespaces are off', 51, 5],
      ['run', 'run: echo one …', 60, 5],
      ['file', 'file: /sys/devices/system/cpu/smt/control', 63, 5],
      ['file', 'file: /etc/shadow', 65, 5],
      ['file', 'file: /nonexistent', 67, 5],
      ['unit', 'unit: probe', 69, 5],
    ],
  );
  const [start, , restart, run, script, control, shadow, absent, unit] = s.steps as [
    ServiceActionStep,
    ServiceActionStep,
    ServiceActionStep,
    RunStep,
    RunStep,
    FileStep,
    FileStep,
    FileStep,
    UnitStep,
  ];
  assert.equal(start, { kind: 'start', name: 'start: probe', at: { file: FILE, line: 48, col: 5 }, everyMs: 1000, service: 'probe' });
  assert.is(restart.service, 'ssh');
  assert.equal(run, {
    kind: 'run',
    name: 'unprivileged user namespaces are off',
    at: { file: FILE, line: 51, col: 5 },
    withinMs: 30_000,
    everyMs: 250,
    command: 'unshare --user true',
    user: 'alice',
    expect: {
      exit: 1,
      stdout: { equals: 'exact text' },
      stderr: { contains: 'No space left on device', not: { matches: '^Perm' } },
    },
  });
  assert.is(script.command, 'echo one\necho two\n');
  assert.equal(script.expect, { exit: 0 }, 'exit defaults to 0');
  assert.is(script.withinMs, undefined);
  assert.is(script.everyMs, 1000);
  assert.equal(control.expect, {
    exists: true,
    content: { equals: 'off' },
    mode: '0644',
    owner: 'root',
    group: 'root',
  });
  assert.equal(shadow.expect, { content: { notContains: 'alice' }, mode: '640' });
  assert.equal(absent.expect, { exists: false });
  assert.equal(unit.expect, {
    ActiveState: { equals: 'active' },
    SubState: { equals: 'running' },
    NoNewPrivileges: { equals: 'yes' },
    NRestarts: { equals: '0' },
  });
});

test('defaults: timeout 10m, empty sections, root user, one image from a string', () => {
  const s = loadScenarioText('name: minimal\nimage: debian\nsteps:\n  - run: "true"\n', FILE, {});
  assert.equal(
    { ...s, steps: undefined },
    {
      name: 'minimal',
      tags: [],
      images: ['debian'],
      timeoutMs: 600_000,
      guests: [{ name: 'guest', vm: {}, files: {}, sysctl: {}, services: [], packages: [], at: { file: FILE, line: 1, col: 1 } }],
      steps: undefined,
      file: FILE,
      nameAt: { file: FILE, line: 1, col: 7 },
    },
  );
  assert.equal(s.steps[0], { kind: 'run', name: 'run: true', at: { file: FILE, line: 4, col: 5 }, everyMs: 1000, command: 'true', expect: { exit: 0 } });
  const svc = loadScenarioText(withSteps('  - start: probe\n'), FILE, {}).guests[0].services[0];
  assert.equal(svc.user, { kind: 'root' });
  assert.equal(svc.serviceConfig, {});
});

test('default step names are one short line', () => {
  const long = 'echo ' + 'a'.repeat(200);
  const s = loadScenarioText(withSteps(`  - run: ${long}\n  - unit: probe\n    expect: {ActiveState: active}\n`), FILE, {});
  assert.is(s.steps[0].name.length, 'run: '.length + 80);
  assert.ok(s.steps[0].name.startsWith('run: echo aaa'));
  assert.ok(s.steps[0].name.endsWith('…'));
  assert.is(s.steps[1].name, 'unit: probe');
});

test('image is required, and checked against knownImages', () => {
  const text = 'name: t\nsteps:\n  - run: "true"\n';
  assert.is(errorOf(text), "1:1 image: a scenario needs `image:` (an image under images/, or a list of them)");
  const known = { knownImages: ['debian-bookworm', 'arch'] };
  assert.equal(loadScenarioText('name: t\nimage: arch\nsteps:\n  - run: "true"\n', FILE, known).images, ['arch']);
  assert.is(
    errorOf('name: t\nimage: [arch, fedora]\nsteps:\n  - run: "true"\n', known),
    '2:15 image[1]: unknown image fedora; known: debian-bookworm, arch',
  );
  assert.is(
    errorOf('name: t\nimage: fedora\nsteps:\n  - run: "true"\n', known),
    '2:8 image: unknown image fedora; known: debian-bookworm, arch',
  );
});

// ── errors: where they point ────────────────────────────────────────────────

test('a YAML syntax error is reported at its position, and nothing else', () => {
  const errors = errorsOf('name: t\nimage: debian\nsteps:\n  - run: "unterminated\n');
  assert.is(errors.length, 1);
  assert.match(errors[0], /^5:1 : invalid YAML: Missing closing "quote/);
  assert.is(errorOf('name: t\n\timage: x\n').split(' ')[0], '2:1');
  assert.match(errorOf('name: [a, b\nimage: x\n'), /^\d+:\d+ : invalid YAML: /);
});

test('the message of an error reads FILE:LINE:COL: KEY: problem', () => {
  try {
    loadScenarioText('name: t\nimage: debian\nsteps:\n  - run: x\n    expect: {exit: -1}\n', FILE, {});
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ScenarioErrors);
    const [first] = (err as ScenarioErrors).errors;
    assert.instance(first, ScenarioError);
    assert.is(first.message, `${FILE}:5:20: steps[0].expect.exit: expected a whole number from 0 to 255, got -1`);
    assert.is((err as ScenarioErrors).message, first.message);
    assert.equal([first.file, first.line, first.col, first.key], [FILE, 5, 20, 'steps[0].expect.exit']);
  }
});

test('duplicate keys are errors at the second key', () => {
  assert.is(errorOf('name: a\nimage: x\nname: b\nsteps: []\n'), '3:1 : duplicate key `name` (each key may appear once)');
  assert.is(errorOf(withSteps('  - run: a\n    expect: {exit: 1, exit: 2}\n')), '8:23 : duplicate key `exit` (each key may appear once)');
});

test('unknown keys are reported at the key, at every level, with a hint', () => {
  assert.is(errorOf('name: t\nimage: x\nimages: y\nsteps:\n  - run: a\n'), '3:1 images: unknown key `images` in a scenario; did you mean `image`?');
  assert.is(errorOf('name: t\nimage: x\nvm:\n  memroy: 5\nsteps:\n  - run: a\n'), '4:3 vm.memroy: unknown key `memroy` in `vm` settings; did you mean `memory`?');
  assert.is(
    errorOf('name: t\nimage: x\nfiles:\n  /etc/x:\n    content: a\n    perms: "0644"\nsteps:\n  - run: a\n'),
    '6:5 files["/etc/x"].perms: unknown key `perms` in a file to write; known keys: content, mode, owner, group',
  );
  assert.is(errorOf(withSteps('  - run: a\n    expect: {exit: 0, stdot: x}\n')), '8:23 steps[0].expect.stdot: unknown key `stdot` in the expectations of a `run` step; did you mean `stdout`?');
  assert.is(errorOf(withSteps('  - run: a\n    expect:\n      stdout: {contain: x}\n')), '9:16 steps[0].expect.stdout.contain: unknown key `contain` in a text matcher; did you mean `contains`?');
  assert.is(errorOf(withSteps('  - run: a\n    expect:\n      stdout: {not: {foo: x}}\n')), '9:22 steps[0].expect.stdout.not.foo: unknown key `foo` in a text matcher; known keys: equals, contains, notContains, matches, not');
  assert.is(errorOf(withSteps('  - start: probe\n    expect: {exit: 0}\n')), '8:5 steps[0].expect: unknown key `expect` in a `start` step; known keys: start, name, within, every, when');
  assert.match(
    errorOf('name: t\nimage: x\nservices:\n  p:\n    exec: /bin/true\n    User: x\nsteps:\n  - start: p\n'),
    /^6:5 services\.p\.User: unknown key `User` in a service; did you mean `user`\?$/,
  );
});

test('a step with a misspelt kind gets the hint only; one without any kind is told the kinds', () => {
  assert.is(errorOf(withSteps('  - runn: x\n')), '7:5 steps[0].runn: unknown key `runn` in a step; did you mean `run`?');
  assert.is(errorOf(withSteps('  - name: x\n')), '7:5 steps[0]: a step needs one of: run, file, start, stop, restart, unit, pam, chroot, process, userns, journal, reboot, upgrade, type, key, screen');
  assert.is(errorOf(withSteps('  - run: x\n    file: /y\n')), '8:5 steps[0].file: a step does one thing; this one has both `run` and `file`');
  assert.is(errorOf(withSteps('  - run\n')), '7:5 steps[0]: expected a step (a map), got text "run"');
});

test('wrong types point at the value', () => {
  assert.is(errorOf('name: [a]\nimage: x\nsteps:\n  - run: a\n'), '1:7 name: expected a scenario name, got a list');
  assert.is(errorOf('name: t\nimage: x\ntags: smoke\nsteps:\n  - run: a\n'), '3:7 tags: expected a list of tags, got text "smoke"');
  assert.is(errorOf('name: t\nimage: x\nvm:\n  memory: "1G"\nsteps:\n  - run: a\n'), '4:11 vm.memory: expected a whole number, got text "1G"');
  assert.is(errorOf('name: t\nimage: x\nvm:\n  cpus: 1.5\nsteps:\n  - run: a\n'), '4:9 vm.cpus: expected a whole number, got a number (1.5)');
  assert.is(errorOf('name: t\nimage: x\nvm:\n  memory: -5\nsteps:\n  - run: a\n'), '4:11 vm.memory: expected a whole number above zero, got -5');
  assert.is(errorOf('name: t\nimage: x\nvm:\n  kernelParams: [nosmt, 3]\nsteps:\n  - run: a\n'), '4:25 vm.kernelParams[1]: expected kernel parameters, got a number (3); quote it if you mean text');
  assert.is(errorOf(withSteps('  - run: true\n')), '7:10 steps[0].run: expected a shell command, got a boolean (true); quote it if you mean text');
  assert.is(errorOf(withSteps('  - file: /x\n    expect: {exists: "yes"}\n')), '8:22 steps[0].expect.exists: expected true or false, got text "yes"');
  assert.is(errorOf(withSteps('  - run: x\n    expect: [0]\n')), '8:14 steps[0].expect[0]: expected a per-version expectation of a `run` step (a map), got a number (0)');
  assert.is(errorOf(withSteps('  - run: x\n    expect:\n      stdout: [a]\n')), '9:15 steps[0].expect.stdout: expected text or a matcher map (equals, contains, notContains, matches, not), got a list');
  assert.is(errorOf(withSteps('  - run: x\n    expect:\n      stdout: ~\n')), '9:15 steps[0].expect.stdout: expected text or a matcher map (equals, contains, notContains, matches, not), got null');
});

test('an empty value points at its key', () => {
  assert.is(errorOf('name:\nimage: x\nsteps:\n  - run: a\n'), '1:1 name: expected a scenario name, got nothing');
  assert.is(errorOf(withSteps('  - run: x\n    user:\n')), '8:5 steps[0].user: expected a user name, got nothing');
});

test('missing required keys point at the map that lacks them', () => {
  assert.is(errorOf('image: x\nsteps:\n  - run: a\n'), '1:1 name: a scenario needs `name:` (its JUnit testsuite name)');
  assert.is(errorOf('name: t\nimage: x\n'), '1:1 steps: a scenario needs `steps:` (a list of what to do and check)');
  assert.is(errorOf('name: t\nimage: x\nsteps: []\n'), '3:8 steps: a scenario needs at least one step');
  assert.is(errorOf('name: t\nimage: x\nfiles:\n  /etc/x:\n    mode: "0644"\nsteps:\n  - run: a\n'), '4:3 files["/etc/x"].content: a file to write needs `content:`');
  assert.is(errorOf(withSteps('  - unit: probe\n')), '7:5 steps[0].expect: a `unit` step needs `expect:`, e.g. {ActiveState: active}');
  assert.is(errorOf(''), '1:1 : the file holds no scenario; it needs at least `name`, `image` and `steps`');
  assert.is(errorOf('- run: x\n'), '1:1 : expected a scenario (a map), got a list');
});

test('durations: bad text, a bare number, zero, and every without within', () => {
  assert.is(errorOf('name: t\nimage: x\ntimeout: 10 minutes\nsteps:\n  - run: a\n'), '3:10 timeout: invalid duration "10 minutes" (cannot read "10 minutes"); write e.g. "250ms", "30s", "10m" or "1h"');
  assert.is(errorOf('name: t\nimage: x\ntimeout: 30\nsteps:\n  - run: a\n'), '3:10 timeout: a duration needs a unit; write e.g. "30s" (units: ms, s, m, h)');
  assert.is(errorOf(withSteps('  - run: a\n    within: 0s\n')), '8:13 steps[0].within: a duration must be longer than zero, got "0s"');
  assert.is(errorOf(withSteps('  - run: a\n    every: 1s\n')), '8:5 steps[0].every: `every` only makes sense with `within` (how long to retry)');
});

test('modes must be quoted octal text', () => {
  assert.is(errorOf(withSteps('  - file: /x\n    expect: {mode: 0644}\n')), '8:20 steps[0].expect.mode: quote the mode, e.g. "0644" (unquoted, YAML reads it as a decimal number)');
  assert.is(errorOf(withSteps('  - file: /x\n    expect: {mode: "0844"}\n')), '8:20 steps[0].expect.mode: expected an octal mode of 3 or 4 digits such as "0644", got "0844"');
  assert.is(errorOf('name: t\nimage: x\nfiles:\n  /x:\n    content: a\n    mode: 755\nsteps:\n  - run: a\n'), '6:11 files["/x"].mode: quote the mode, e.g. "0644" (unquoted, YAML reads it as a decimal number)');
});

test('enumerations and vm consistency', () => {
  assert.is(errorOf('name: t\nimage: x\nvm:\n  accel: hvf\nsteps:\n  - run: a\n'), '4:10 vm.accel: expected one of auto, kvm, tcg, got "hvf"');
  assert.is(errorOf('name: t\nimage: x\nvm:\n  cpus: 3\n  threads: 2\nsteps:\n  - run: a\n'), '5:12 vm.threads: cpus (3) must be a multiple of threads (2), as cores = cpus / threads');
});

test('vm.outbound: guest-side address to host address, each side checked where it is written', () => {
  const s = loadScenarioText('name: t\nimage: x\nvm:\n  outbound:\n    "10.0.2.100:8080": "127.0.0.1:18080"\nsteps:\n  - run: a\n', FILE, {});
  assert.equal(s.guests[0].vm.outbound, [{ guestAddress: '10.0.2.100', guestPort: 8080, host: '127.0.0.1', port: 18080 }]);
  assert.is(errorOf('name: t\nimage: x\nvm:\n  outbound:\n    "10.0.2.2:80": "127.0.0.1:80"\nsteps:\n  - run: a\n'),
    '5:5 vm.outbound["10.0.2.2:80"]: 10.0.2.2 is the host (gateway); pick another, e.g. 10.0.2.100');
  assert.is(errorOf('name: t\nimage: x\nvm:\n  outbound:\n    "10.0.2.100:80": "127.0.0.1"\nsteps:\n  - run: a\n'),
    '5:22 vm.outbound["10.0.2.100:80"]: "127.0.0.1": expected HOST:PORT, e.g. 127.0.0.1:8080 (an IPv4 address or a host name)');
  assert.is(errorOf('name: t\nimage: x\nvm:\n  outbound: [127.0.0.1:80]\nsteps:\n  - run: a\n').split(' ')[0], '4:13');
});

test('a step naming an undeclared service is an error at the name', () => {
  assert.is(errorOf(withSteps('  - start: probe\n  - stop: prbe\n')), '8:11 steps[1].stop: service `prbe` is not declared under `services:` (declared: probe)');
  assert.is(errorOf('name: t\nimage: x\nsteps:\n  - unit: ssh\n    expect: {ActiveState: active}\n'), '4:11 steps[0].unit: service `ssh` is not declared under `services:` (none are declared)');
});

test('confinement: defaults, modes, binSh null, and what is refused', () => {
  const svc = (confinement: string, extra = '') => `name: t\nimage: x\nservices:\n  p:\n    exec: /bin/true\n${extra}    confinement: ${confinement}\nsteps:\n  - start: p\n`;
  const confinementOf = (text: string) => loadScenarioText(text, FILE, {}).guests[0].services[0].confinement;
  assert.equal(confinementOf(svc('')), { mode: 'full-apivfs', packages: [], binSh: '/bin/sh', fullUnit: false });
  assert.equal(confinementOf(svc('{}')), { mode: 'full-apivfs', packages: [], binSh: '/bin/sh', fullUnit: false });
  assert.equal(
    confinementOf(svc('{mode: chroot-only, packages: [/usr/bin/id], binSh: null, fullUnit: true}')),
    { mode: 'chroot-only', packages: ['/usr/bin/id'], binSh: null, fullUnit: true },
  );
  assert.is(confinementOf(svc('{binSh: /bin/bash}'))?.binSh, '/bin/bash');
  assert.is(errorOf(svc('{mode: chroot}')), '6:25 services.p.confinement.mode: expected one of full-apivfs, chroot-only, got "chroot"');
  assert.is(errorOf(svc('{packages: [usr/bin/id]}')), '6:30 services.p.confinement.packages[0]: expected an absolute path, got "usr/bin/id"');
  assert.is(errorOf(svc('{binsh: /bin/sh}')), '6:19 services.p.confinement.binsh: unknown key `binsh` in `confinement` settings; did you mean `binSh`?');
  assert.is(
    errorOf(svc('{}', '    serviceConfig: {RootDirectoryStartOnly: true}\n')),
    '6:21 services.p.serviceConfig.RootDirectoryStartOnly: RootDirectoryStartOnly cannot be used with `confinement`: systemd cannot restrict the bind mounts to ExecStart, so ExecStartPre/Post would run outside the chroot without them',
  );
  // Without confinement, RootDirectoryStartOnly is the user's business.
  assert.ok(loadScenarioText(svc('{}').replace('    confinement: {}\n', '    serviceConfig: {RootDirectoryStartOnly: true}\n'), FILE, {}));
});

test("confinement: what NixOS's module refuses of a service's own settings is refused where it is written", () => {
  const svc = (serviceConfig: string, confinement = '{}') => `name: t\nimage: x\nservices:\n  p:\n    exec: /bin/true\n    serviceConfig: ${serviceConfig}\n    confinement: ${confinement}\nsteps:\n  - start: p\n`;
  assert.is(
    errorOf(svc('{RootDirectory: /srv/root}')),
    '6:21 services.p.serviceConfig.RootDirectory: RootDirectory cannot be set with `confinement`, which roots the service at /run/confinement/p itself (in NixOS the two are conflicting definitions)',
  );
  const oneBoolean = (key: string, why: string, got: string) => `services.p.serviceConfig.${key}: with \`confinement\`, ${key} takes one true or false, as NixOS's module reads it (${why}); got ${got}`;
  assert.is(errorOf(svc('{RootDirectoryStartOnly: [no, yes]}')), `6:45 ${oneBoolean('RootDirectoryStartOnly', 'it refuses true', 'a list (systemd would read its last item, "yes")')}`);
  assert.is(errorOf(svc('{RootDirectoryStartOnly: later}')), `6:45 ${oneBoolean('RootDirectoryStartOnly', 'it refuses true', '"later"')}`);
  const tmp = 'to decide whether /tmp and /var/tmp are hidden';
  assert.is(errorOf(svc('{PrivateTmp: disconnected}')), `6:33 ${oneBoolean('PrivateTmp', tmp, '"disconnected"')}`);
  assert.is(errorOf(svc('{PrivateTmp: [yes, no]}')), `6:33 ${oneBoolean('PrivateTmp', tmp, 'a list (systemd would read its last item, "no")')}`);
  // One boolean in any of systemd's spellings is what the module reads too.
  for (const value of ['true', 'no', '"on"', '"0"', 'Y', 'f', '1']) {
    assert.ok(loadScenarioText(svc(`{PrivateTmp: ${value}, RootDirectoryStartOnly: false}`), FILE, {}), value);
  }
  // Without confinement, these are the user's business.
  const free = loadScenarioText(svc('{RootDirectory: /srv/root, PrivateTmp: disconnected, RootDirectoryStartOnly: [no, yes]}').replace('    confinement: {}\n', ''), FILE, {});
  assert.equal(free.guests[0].services[0].serviceConfig, { RootDirectory: '/srv/root', PrivateTmp: 'disconnected', RootDirectoryStartOnly: ['no', 'yes'] });
});

test('chroot, userns and journal steps read into their types', () => {
  const s = loadScenarioText(
    withSteps(
      '  - chroot: probe\n    expect:\n      contains: [/bin/sh]\n      absent: [/etc]\n      entries: [bin, run, usr]\n      access: {/run/: writable, /proc: special, default: readable}\n' +
        '  - chroot: probe\n    expect: {entries: {includes: [bin]}}\n' +
        '  - userns: probe\n    expect: {private: true, uidMap: {contains: "0 0 1"}}\n' +
        '  - journal: probe\n    expect: {notContains: "Failed to create /usr"}\n' +
        '  - run: id\n    in: probe\n',
    ),
    FILE,
    {},
  );
  assert.equal((s.steps[0] as ChrootStep).expect, {
    contains: ['/bin/sh'],
    absent: ['/etc'],
    entries: { exactly: ['bin', 'run', 'usr'] },
    access: { '/run': 'writable', '/proc': 'special', default: 'readable' },
  });
  assert.is(s.steps[0].name, 'chroot: probe');
  assert.equal((s.steps[1] as ChrootStep).expect.entries, { includes: ['bin'] });
  assert.equal((s.steps[2] as UsernsStep).expect, { private: true, uidMap: { contains: '0 0 1' } });
  assert.equal((s.steps[3] as JournalStep).expect, { notContains: 'Failed to create /usr' });
  assert.is((s.steps[4] as RunStep).in, 'probe');
});

test('chroot, userns, journal and run … in: errors are located', () => {
  assert.is(errorOf(withSteps('  - chroot: probe\n')), '7:5 steps[0].expect: a `chroot` step needs `expect:`, e.g. {contains: [/bin/sh], absent: [/etc]}');
  assert.is(errorOf(withSteps('  - chroot: probe\n    expect: {access: {/run: writeable}}\n')), '8:29 steps[0].expect.access["/run"]: expected one of none, readable, special, sticky, writable, got "writeable"');
  assert.is(errorOf(withSteps('  - chroot: probe\n    expect: {access: {run: writable}}\n')), '8:23 steps[0].expect.access.run: expected an absolute path or `default`, got "run"');
  assert.is(errorOf(withSteps('  - chroot: probe\n    expect: {contains: [bin/sh]}\n')), '8:25 steps[0].expect.contains[0]: expected an absolute path, got "bin/sh"');
  assert.is(errorOf(withSteps('  - userns: probe\n    expect: {private: yes}\n')), '8:23 steps[0].expect.private: expected true or false, got text "yes"');
  assert.is(errorOf(withSteps('  - journal: prob\n    expect: {contains: x}\n')), '7:14 steps[0].journal: service `prob` is not declared under `services:` (declared: probe)');
  assert.is(errorOf(withSteps('  - run: id\n    in: nope\n')), '8:9 steps[0].in: service `nope` is not declared under `services:` (declared: probe)');
  assert.is(errorOf(withSteps('  - run: id\n    in: probe\n    user: alice\n')), "9:5 steps[0].user: `user` and `in` do not combine: `run … in:` runs as the service's own user");
});

test('reboot: by default systemctl reboot, or the command given; within bounds it', () => {
  const s = loadScenarioText(withSteps('  - reboot:\n  - reboot: echo b > /proc/sysrq-trigger\n    within: 5m\n  - reboot: ~\n    name: again\n'), FILE);
  const [plain, forced, named] = s.steps as [RebootStep, RebootStep, RebootStep];
  assert.equal(plain, { kind: 'reboot', name: 'reboot', at: { file: FILE, line: 7, col: 5 }, everyMs: 1000 });
  assert.equal(forced, { kind: 'reboot', name: 'reboot: echo b > /proc/sysrq-trigger', at: { file: FILE, line: 8, col: 5 }, everyMs: 1000, withinMs: 300_000, command: 'echo b > /proc/sysrq-trigger' });
  assert.is(named.name, 'again');
  assert.is(named.command, undefined);
  assert.is(errorOf(withSteps('  - reboot: true\n')), '7:13 steps[0].reboot: expected nothing (`reboot:`) or the shell command that asks the guest to reboot, got a boolean (true); quote it if you mean text');
  assert.is(errorOf(withSteps('  - reboot: " "\n')), '7:13 steps[0].reboot: expected nothing (`reboot:`) or the shell command that asks the guest to reboot, got empty text');
  assert.is(errorOf(withSteps('  - reboot:\n    expect: {exit: 0}\n')), '8:5 steps[0].expect: unknown key `expect` in a `reboot` step; known keys: reboot, name, within, every, when');
});

test('services: exec or unit, names, users and settings are checked', () => {
  const svc = (body: string) => `name: t\nimage: x\nservices:\n${body}steps:\n  - run: a\n`;
  assert.is(errorOf(svc('  p:\n    exec: /bin/true\n    unit: p.service\n')), '6:5 services.p.unit: a service has either `exec:` (a command the harness runs) or `unit:` (an existing unit), not both');
  assert.is(errorOf(svc('  p:\n    user: root\n')), '4:3 services.p: a service needs `exec:` (a command the harness runs) or `unit:` (an existing unit of the image)');
  assert.is(errorOf(svc('  p:\n    exec: sleep 5\n')), '5:11 services.p.exec: ExecStart must start with an absolute path, e.g. /usr/bin/sleep infinity; got "sleep 5"');
  assert.is(errorOf(svc('  p.service:\n    exec: /bin/true\n')), '4:3 services["p.service"]: name the service without ".service" (the harness installs `p` as p.service)');
  assert.is(errorOf(svc('  "my probe":\n    exec: /bin/true\n')), '4:3 services["my probe"]: "my probe" is not a service name (letters, digits and _ . @ - only)');
  assert.is(errorOf(svc('  p:\n    exec: /bin/true\n    user: "a b"\n')), '6:11 services.p.user: "a b" is not a user name; expected root, dynamic or a user name');
  assert.is(errorOf(svc('  p:\n    exec: /bin/true\n    serviceConfig:\n      PrivateTmp: {a: 1}\n')), '7:19 services.p.serviceConfig.PrivateTmp: expected a setting value (text, number, yes/no, or a list of them), got a map');
  assert.is(errorOf(svc('  p:\n    exec: /bin/true\n    serviceConfig:\n      "Private Tmp": yes\n')), '7:7 services.p.serviceConfig["Private Tmp"]: "Private Tmp" is not a systemd setting name such as PrivateTmp');
  assert.is(errorOf(svc('  p: /bin/true\n')), '4:6 services.p: expected a service (a map), got text "/bin/true"');
});

test('files and sysctl: absolute paths and scalar values', () => {
  assert.is(errorOf('name: t\nimage: x\nfiles:\n  etc/x:\n    content: a\nsteps:\n  - run: a\n'), '4:3 files["etc/x"]: expected an absolute path, got "etc/x"');
  assert.is(errorOf('name: t\nimage: x\nfiles:\n  /x:\n    content: 1\nsteps:\n  - run: a\n'), '5:14 files["/x"].content: expected the file content, got a number (1); quote it if you mean text');
  assert.is(errorOf('name: t\nimage: x\nsysctl:\n  kernel.x: true\nsteps:\n  - run: a\n'), '4:13 sysctl["kernel.x"]: sysctl values are numbers or text; write 1 or 0, not true/false');
  assert.is(errorOf('name: t\nimage: x\nsysctl:\n  kernel.x: [1]\nsteps:\n  - run: a\n'), '4:13 sysctl["kernel.x"]: expected a sysctl value (a number or text), got a list');
  assert.is(errorOf(withSteps('  - file: relative/x\n')), '7:11 steps[0].file: expected an absolute path, got "relative/x"');
});

test('matchers: invalid regular expressions, empty maps, empty contains/notContains/matches, bad property names', () => {
  assert.match(errorOf(withSteps('  - run: a\n    expect:\n      stdout: {matches: "a("}\n')), /^9:25 steps\[0\]\.expect\.stdout\.matches: invalid regular expression \/a\(\/: Unterminated group$/);
  assert.is(errorOf(withSteps('  - run: a\n    expect:\n      stdout: {}\n')), '9:15 steps[0].expect.stdout: an empty matcher would match anything; give one of equals, contains, notContains, matches, not');
  assert.is(errorOf(withSteps('  - unit: probe\n    expect: {Active-State: active}\n')), '8:14 steps[0].expect.Active-State: "Active-State" is not a systemctl property name (letters only, e.g. ActiveState)');
  assert.is(errorOf(withSteps('  - file: /x\n    expect: {exists: false, content: a}\n')), '8:22 steps[0].expect.exists: a file expected not to exist has no content to check');
  for (const key of ['contains', 'notContains']) {
    assert.is(errorOf(withSteps(`  - run: a\n    expect:\n      stdout: {${key}: ""}\n`)), `9:${18 + key.length} steps[0].expect.stdout.${key}: ${key} is empty: every text contains "", so it would check nothing; give the text it is about`);
  }
  assert.is(errorOf(withSteps('  - run: a\n    expect:\n      stdout: {not: {matches: \'\'}}\n')), '9:31 steps[0].expect.stdout.not.matches: matches is empty: every text matches //, so it would check nothing; give the text it is about');
  assert.equal((loadScenarioText(withSteps('  - run: a\n    expect: {stdout: {equals: ""}}\n'), FILE, {}).steps[0] as RunStep).expect, { exit: 0, stdout: { equals: '' } }, 'equals "" (no output) stays allowed');
  const deep = `${'{not: '.repeat(9)}{equals: x}${'}'.repeat(9)}`;
  assert.match(errorOf(withSteps(`  - run: a\n    expect:\n      stdout: ${deep}\n`)), /matchers nest at most 8 deep/);
});

test('plain scalars in matchers mean equals, as text', () => {
  const s = loadScenarioText(withSteps('  - run: a\n    expect: {stdout: 42, stderr: false}\n  - file: /x\n    expect: {content: {contains: 1.5, not: off}}\n'), FILE, {});
  assert.equal((s.steps[0] as RunStep).expect, { exit: 0, stdout: { equals: '42' }, stderr: { equals: 'false' } });
  assert.equal((s.steps[1] as FileStep).expect.content, { contains: '1.5', not: { equals: 'off' } });
});

test('all errors of a file are reported, in document order', () => {
  const errors = errorsOf('name: t\nimage: x\nvm:\n  accel: hvf\n  cpus: 0\nsteps:\n  - run: a\n    every: 1s\n  - stop: nope\n  - chroot: x\nbogus: 1\n');
  assert.equal(
    errors.map((e) => e.split(' ')[0]),
    ['4:10', '5:9', '8:5', '9:11', '10:5', '10:13', '11:1'],
  );
});

test('aliases are followed, and an alias to nothing is an error', () => {
  const s = loadScenarioText(withSteps('  - run: &cmd echo hi\n  - run: *cmd\n'), FILE, {});
  assert.is((s.steps[1] as RunStep).command, 'echo hi');
  assert.match(errorsOf(withSteps('  - run: *nothing\n'))[0], /^7:10 steps\[0\]\.run: alias \*nothing refers to no anchor/);
});

// ── files and folders ───────────────────────────────────────────────────────

async function tempTree(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('scenario-load-');
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

const scenario = (name: string) => `name: ${name}\nimage: debian\nsteps:\n  - run: "true"\n`;

test('loadScenarios expands folders recursively, sorted, yaml and yml only', async () => {
  const dir = await tempTree({
    'b.yaml': scenario('b'),
    'a/z.yml': scenario('a/z'),
    'a/y.yaml': scenario('a/y'),
    'c.txt': 'not a scenario',
    '.hidden/x.yaml': 'not: loaded',
  });
  try {
    const { scenarios, errors } = await loadScenarios([dir], {});
    assert.equal(errors, []);
    assert.equal(scenarios.map((s) => s.name), ['a/y', 'a/z', 'b']);
    assert.is(scenarios[0].file, path.join(dir, 'a/y.yaml'));
    const twice = await loadScenarios([dir, path.join(dir, 'b.yaml')], {});
    assert.is(twice.scenarios.length, 3, 'a file named twice is loaded once');
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('loadScenarios collects the errors of every file and flags duplicate names', async () => {
  const dir = await tempTree({
    '1.yaml': scenario('same'),
    '2.yaml': `# the second\n${scenario('same')}`,
    '3.yaml': 'name: t\nimage: x\nsteps: [{run: a, bad: 1}, {stop: x}]\n',
    'empty/.keep': '',
  });
  try {
    const { scenarios, errors } = await loadScenarios([dir, path.join(dir, 'missing.yaml'), path.join(dir, 'empty')], {});
    assert.equal(scenarios.map((s: Scenario) => s.file), [path.join(dir, '1.yaml')]);
    assert.equal(
      errors.map((e) => `${path.relative(dir, e.file)}:${e.line}:${e.col} ${e.key}`),
      ['missing.yaml:1:1 ', 'empty:1:1 ', '2.yaml:2:7 name', '3.yaml:3:18 steps[0].bad', '3.yaml:3:34 steps[1].stop'],
    );
    assert.match(errors[2].message, new RegExp(`scenario name "same" is already used by .*1\\.yaml:1$`));
    assert.match(errors[0].message, /no such file or folder \(ENOENT\)/);
    assert.match(errors[1].message, /no scenario files \(\*\.yaml, \*\.yml\) in this folder/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('loadScenarioFile reports an unreadable file as a ScenarioError', async () => {
  try {
    await loadScenarioFile('/nonexistent/x.yaml', {});
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ScenarioErrors);
    assert.match((err as Error).message, /^\/nonexistent\/x\.yaml:1:1: cannot read the file: ENOENT/);
  }
});

test('pam steps name a service, a user and an operation, and expect success or failure', () => {
  const [step] = loadScenarioText(withSteps('  - pam: {service: login, user: alice, op: acct_mgmt}\n    expect: failure\n'), FILE).steps;
  assert.equal(step, {
    kind: 'pam', name: 'pam: acct_mgmt alice via login', at: { file: FILE, line: 7, col: 5 }, everyMs: 1000,
    service: 'login', user: 'alice', op: 'acct_mgmt', expect: 'failure',
  });
  assert.is(errorOf(withSteps('  - pam: {service: login, user: alice, op: login}\n    expect: failure\n')), '7:44 steps[0].pam.op: expected one of auth, acct_mgmt, open_session, got "login"');
  assert.is(errorOf(withSteps('  - pam: {service: login, user: alice}\n    expect: failure\n')), '7:10 steps[0].pam: a `pam` step needs op');
  assert.is(errorOf(withSteps('  - pam: {service: login, user: alice, op: auth}\n    expect: denied\n')), '8:13 steps[0].expect: expected one of success, failure, got "denied"');
});

test.run();
