// The closure script, run by bash on this machine (a Debian like the guests) with a stand-in
// `systemctl` that prints what a guest's systemd printed for such a unit: what systemd parsed
// of the Exec* lines, and the unit's text for fullUnit.
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closureScript, computeClosures, describeCut, PACKAGE_PROGRAMS, parseClosureOutput } from '../../harness/confinement/closure.js';
import type { ExecOptions } from '../../harness/guest/guest.js';
import { shellQuote } from '../../harness/util/quote.js';
import type { Confinement } from '../../harness/scenario/types.js';
import { tempDir } from '../support/harness.js';

// `systemctl show -p ExecStartPre -p ExecStart …` and `systemctl cat`, as systemd 252 prints them
const SHOW = [
  'ExecStartPre={ path=/usr/bin/env ; argv[]=/usr/bin/env -i /usr/bin/true ; ignore_errors=yes ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
  'ExecStart={ path=/bin/sh ; argv[]=/bin/sh -c /usr/bin/test * ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
  'ExecStartPost=',
  'ExecReload=',
];
const CAT = ['# /etc/systemd/system/probe.service', '[Service]', 'EnvironmentFile=/etc/os-release', 'Environment=A=/etc/hostname B=/proc/cpuinfo', '# /etc/passwd named in a comment'];

const bin = await tempDir('closure-script-');
await writeFile(
  path.join(bin, 'systemctl'),
  `#!/bin/sh\ncase "$1" in\n  show) cat <<'EOF'\n${SHOW.join('\n')}\nEOF\n ;;\n  cat) cat <<'EOF'\n${CAT.join('\n')}\nEOF\n ;;\nesac\n`,
);
await chmod(path.join(bin, 'systemctl'), 0o755);

async function closureOf(confinement: Partial<Confinement>) {
  const script = closureScript('probe.service', { mode: 'chroot-only', packages: [], binSh: '/bin/sh', fullUnit: false, ...confinement });
  const result = await execa('bash', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}` } });
  return parseClosureOutput(result.stdout);
}

const paths = (closure: { entries: { path: string }[] }) => closure.entries.map((e) => e.path);

test('programs from path= and from argv words that are files, with their libraries and loader', async () => {
  const closure = await closureOf({ binSh: null });
  const found = paths(closure);
  for (const expected of ['/usr/bin/env', '/usr/bin/true', '/usr/bin/test', '/lib64/ld-linux-x86-64.so.2']) {
    assert.ok(found.includes(expected), `${expected} in ${found.join(' ')}`);
  }
  assert.ok(found.some((p) => /\/libc\.so\.6$/.test(p)), 'libc comes with the programs');
  assert.is(new Set(found).size, found.length, 'each path once');
  assert.not.ok(found.includes('/etc/os-release'), 'without fullUnit the EnvironmentFile stays out');
  assert.is(closure.binSh, undefined);
});

test('a path is bound from what it resolves to: /lib64/ld-linux-x86-64.so.2 from /usr/lib', async () => {
  const closure = await closureOf({});
  const loader = closure.entries.find((e) => e.path === '/lib64/ld-linux-x86-64.so.2');
  assert.ok(loader?.source && loader.source !== loader.path, JSON.stringify(loader));
});

test("/bin/sh is binSh's alone: the ExecStart that names it binds nothing there, with binSh null or not", async () => {
  const none = await closureOf({ binSh: null });
  assert.not.ok(paths(none).includes('/bin/sh'), 'binSh null: nothing at /bin/sh');
  assert.is(none.binSh, undefined);
  const bash = await closureOf({ binSh: '/bin/bash' });
  assert.not.ok(paths(bash).includes('/bin/sh'), 'only binSh is bound at /bin/sh');
  assert.is(bash.binSh, '/usr/bin/bash');
  assert.ok(paths(bash).includes('/usr/bin/bash'), "binSh's program joins the closure, with its libraries");
});

test('fullUnit adds the files the unit mentions, not /proc nor what a comment names', async () => {
  const found = paths(await closureOf({ fullUnit: true }));
  assert.ok(found.includes('/etc/os-release'));
  assert.ok(found.includes('/etc/hostname'));
  assert.not.ok(found.includes('/proc/cpuinfo'));
  assert.not.ok(found.includes('/etc/passwd'));
});

test('packages: a folder brings its programs; a path that is not there is said to be missing', async () => {
  const closure = await closureOf({ packages: ['/usr/lib/apt', '/srv/no-such-package'] });
  assert.ok(paths(closure).includes('/usr/lib/apt'));
  assert.equal(closure.missing, ['/srv/no-such-package']);
});

test('packages: a program at any depth brings its interpreter, not only the first three levels', async () => {
  const pkg = await tempDir('closure-deep-');
  const deep = path.join(pkg, 'a/b/c/d/libexec');
  await mkdir(deep, { recursive: true });
  await writeFile(path.join(deep, 'tool'), '#!/usr/bin/perl\nprint "hi"\n', { mode: 0o755 });
  const closure = await closureOf({ binSh: null, packages: [pkg] });
  assert.ok(paths(closure).includes('/usr/bin/perl'), `the interpreter of ${deep}/tool, five levels down: ${paths(closure).join(' ')}`);
  assert.equal(closure.cuts, []);
});

test(`packages: past ${PACKAGE_PROGRAMS} programs the rest go unfollowed, and the closure says so`, async () => {
  const pkg = await tempDir('closure-many-');
  // name order: the one program with an interpreter comes last, past the cut
  const names = Array.from({ length: PACKAGE_PROGRAMS + 1 }, (_, i) => `prog-${String(i).padStart(5, '0')}`);
  await Promise.all(names.map((name, i) => writeFile(path.join(pkg, name), i === PACKAGE_PROGRAMS ? '#!/usr/bin/perl\n' : 'data\n', { mode: 0o755 })));
  const cut = await closureOf({ binSh: null, packages: [pkg] });
  assert.equal(cut.cuts, [{ path: pkg, followed: PACKAGE_PROGRAMS, programs: PACKAGE_PROGRAMS + 1 }]);
  assert.not.ok(paths(cut).includes('/usr/bin/perl'), 'the program past the cut is not followed');
  assert.ok(paths(cut).includes(pkg), 'the folder itself is bound whole');
  assert.match(describeCut(cut.cuts[0]), `${pkg} holds ${PACKAGE_PROGRAMS + 1} programs; only the libraries and interpreters of the first ${PACKAGE_PROGRAMS}`);
  await rm(path.join(pkg, names[0]));
  const whole = await closureOf({ binSh: null, packages: [pkg] });
  assert.equal(whole.cuts, [], `${PACKAGE_PROGRAMS} programs are all followed`);
  assert.ok(paths(whole).includes('/usr/bin/perl'));
});

test('store paths anywhere in the arguments join whole (a directory, one inside an option), as the Nix context of an Exec line', async () => {
  // this machine has no /nix/store: each is said missing, which shows it was asked for (a real guest binds them: nix-store.yaml)
  const store = (name: string) => `/nix/store/${'0a'.repeat(16)}-${name}`;
  const show = `ExecStart={ path=/usr/bin/true ; argv[]=/usr/bin/true ${store('dir')} --data=${store('data-1.0')}/share/x ; ignore_errors=no }`;
  const script = closureScript('probe.service', { mode: 'chroot-only', packages: [], binSh: null, fullUnit: false }, shellQuote(show));
  const closure = parseClosureOutput((await execa('bash', ['-c', script])).stdout);
  assert.equal(closure.missing, [store('dir'), store('data-1.0')]);
  assert.ok(paths(closure).includes('/usr/bin/true'));
});

test('several units: one systemctl for all, each closure from its own block, in order', async () => {
  // a systemctl whose `show` prints one block per unit (path=/usr/bin/NAME), blank lines between, and counts its calls
  const dir = await tempDir('closure-units-');
  await writeFile(
    path.join(dir, 'systemctl'),
    `#!/bin/bash\necho x >> ${dir}/calls\nshift; while [[ $1 != -- ]]; do shift; done; shift; sep=\nfor u in "$@"; do printf "$sep"; sep='\\n'; echo "ExecStart={ path=/usr/bin/\${u%.service} ; argv[]=/usr/bin/\${u%.service} ; ignore_errors=no }"; done\n`,
  );
  await chmod(path.join(dir, 'systemctl'), 0o755);
  const local = {
    async exec(command: string, options: ExecOptions = {}) {
      const r = await execa('/bin/sh', ['-c', command], { input: options.stdin, reject: false, env: { PATH: `${dir}:${process.env.PATH}` } });
      return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr, durationMs: 0 };
    },
  };
  const confinement: Confinement = { mode: 'chroot-only', packages: [], binSh: null, fullUnit: false };
  const closures = await computeClosures(local, ['true', 'id', 'env'].map((name) => ({ unit: `${name}.service`, confinement, at: `services.${name}` })), 10_000);
  assert.equal(closures.map((c) => c.entries[0].path), ['/usr/bin/true', '/usr/bin/id', '/usr/bin/env']);
  assert.is((await execa('cat', [path.join(dir, 'calls')])).stdout, 'x', 'systemctl ran once');
});

test.run();
