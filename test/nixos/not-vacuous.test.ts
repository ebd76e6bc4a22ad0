// The check against NixOS's module cannot pass while checking nothing: a module that says
// otherwise (NIXPKGS's module, altered in a temp folder), a table row or a harness drop-in
// that says otherwise, a difference named wrongly or not at all: each is red, naming the row
// and the setting. And the evaluation needs no /nix, no daemon and no home. Without NIXPKGS
// every test here is skipped (test/support/nixos-gate.ts).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTable, type Row } from '../support/confinement-table.js';
import { checkRow, describeDifference, harnessSide, type CheckOptions, type HarnessSide } from '../support/nixos-compare.js';
import { NIXPKGS, nixosTest } from '../support/nixos-gate.js';
import { MODULE_FILE } from '../support/nixpkgs-source.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

const { rows } = readTable();
const row = (name: string): Row => {
  const found = rows.find((r) => r.row === name);
  if (!found) throw new Error(`no row "${name}" in the table`);
  return structuredClone(found);
};

/**
 * NIXPKGS's module with each match of `from` replaced by `to` (each must match), in a temp
 * folder. The patterns name settings and commands, not the module's lines, so that they hold
 * across nixpkgs commits that reword a line.
 */
async function alteredModule(...edits: [RegExp | string, string][]): Promise<string> {
  let text = await readFile(path.join(NIXPKGS!, MODULE_FILE), 'utf8');
  for (const [from, to] of edits) {
    assert.ok(typeof from === 'string' ? text.includes(from) : from.test(text), `the module no longer holds ${from}: choose another alteration`);
    text = typeof from === 'string' ? text.replaceAll(from, to) : text.replace(from, to);
  }
  const file = path.join(await tempDir('altered-module-'), 'systemd-confinement.nix');
  await writeFile(file, text);
  return file;
}

/** The differences of one row, as "setting: what" with the row's name checked in each. */
async function differences(r: Row, options: CheckOptions = {}): Promise<string[]> {
  const check = await checkRow(r, options);
  for (const d of check.differences) assert.is(d.row, r.row, describeDifference(d));
  return check.differences.map((d) => `${d.setting}: ${d.what}`);
}

const has = (found: string[], setting: string, what: RegExp) =>
  assert.ok(found.some((d) => d.startsWith(`${setting}: `) && what.test(d)), `no difference at ${setting} matching ${what} in:\n${found.join('\n')}`);

nixosTest('the unaltered module: the rows used below agree (so what turns them red is the alteration)', async () => {
  for (const name of ['full-apivfs, every default', 'chroot-only, every default', 'RootDirectoryStartOnly true']) {
    assert.equal(await differences(row(name)), [], name);
  }
});

nixosTest('a module whose PrivateUsers is off in full-apivfs: the table and the harness are red at PrivateUsers', async () => {
  const module = await alteredModule([/PrivateUsers\s*=[^;]*;/, 'PrivateUsers = lib.mkDefault false;']);
  const found = await differences(row('full-apivfs, every default'), { source: { module } });
  has(found, 'PrivateUsers', /NixOS's module gives "no"; the table says "yes"/);
  has(found, 'PrivateUsers', /NixOS's module gives "no"; the harness writes "yes"/);
});

nixosTest('a module without its RootDirectoryStartOnly assertion: a refused row is red, the harness refusing what NixOS confines', async () => {
  const module = await alteredModule([/assertion\s*=[^;]*RootDirectoryStartOnly[^;]*;/, 'assertion = true;']);
  const found = await differences(row('RootDirectoryStartOnly true'), { source: { module } });
  has(found, 'refused', /the table says NixOS refuses it/);
  has(found, 'RootDirectoryStartOnly', /the harness refuses it .*; NixOS confines it/);
});

nixosTest("a module whose drop-in resolves no /bin/sh and hides /tmp otherwise: red at what its confinement.conf writes", async () => {
  // readlink -e made echo: /bin/sh is bound as itself, not as the file it resolves to.
  const module = await alteredModule(['readlink -e', 'echo'], ['InaccessiblePaths=-+/tmp', 'InaccessiblePaths=/tmp']);
  const found = await differences(row('chroot-only, every default'), { source: { module } });
  has(found, 'BindReadOnlyPaths', /NixOS's module gives "\/bin\/sh:\/bin\/sh"; the harness writes "\/usr\/bin\/dash:\/bin\/sh"/);
  has(found, 'InaccessiblePaths', /the table says/);
  has(found, 'InaccessiblePaths', /the harness writes/);
});

nixosTest("a table row that reads the module wrongly: red at the row and setting, not the harness", async () => {
  const r = row('full-apivfs, every default');
  r.dropIn = r.dropIn!.map((line) => (line === 'PrivateDevices=yes' ? 'PrivateDevices=no' : line));
  r.binSh = '/bin/bash';
  const found = await differences(r);
  has(found, 'PrivateDevices', /NixOS's module gives "yes"; the table says "no"/);
  has(found, 'binSh', /NixOS's confinement.binSh is "\/bin\/sh"; the table says "\/bin\/bash"/);
  assert.not.ok(found.some((d) => d.includes('the harness')), found.join('\n'));
});

nixosTest('a harness drop-in that leaves a setting or a root out: red at the setting, and at roots', async () => {
  const r = row('packages, one program');
  const actual = await harnessSide(r);
  assert.ok(actual.refused === undefined);
  const harness = async (): Promise<HarnessSide> => ({
    dropIn: actual.dropIn
      .split('\n')
      .filter((line) => line !== 'PrivateMounts=yes' && line !== 'BindReadOnlyPaths=/usr/bin/id')
      .join('\n'),
  });
  const found = await differences(r, { harness });
  has(found, 'PrivateMounts', /NixOS's module gives "yes"; the harness writes nothing/);
  has(found, 'roots', /\/usr\/bin\/id, which NixOS's root "\/usr\/bin\/id" names, is not bound/);
});

nixosTest('differences by name only: unnamed is red, unknown is red, named but not needed is red', async () => {
  const unnamed = row("PrivateTmp in another of systemd's words for true");
  delete unnamed.debian;
  has(await differences(unnamed), 'refused', /NixOS refuses it: (value is a string while a Boolean was expected|expected a Boolean but found a string).*; the harness confines it/);
  const fullUnit = row('fullUnit on');
  delete fullUnit.debian;
  has(await differences(fullUnit), 'roots', /NixOS roots the closure at the whole unit/);
  const binShNull = row("binSh null, though an Exec line and a package's #! line name /bin/sh");
  delete binShNull.debian;
  has(await differences(binShNull), 'roots', /\/bin\/sh, which NixOS's root "\/bin\/sh -c true" names, is not bound/);
  const unknown = row('full-apivfs, every default');
  unknown.debian = { 'sounds-plausible': 'no handler has this name' };
  has(await differences(unknown), 'debian', /"sounds-plausible" is no difference the comparison knows/);
  const unneeded = row('full-apivfs, every default');
  unneeded.debian = { ...unneeded.debian, 'binsh-null-means-none': 'not this row' };
  has(await differences(unneeded), 'debian', /names binsh-null-means-none, but NixOS and the harness do not differ there/);
});

nixosTest('the script names the row and setting, exits 1 on a stale table, and --write makes it what NixOS gives', async () => {
  const dir = await tempDir('nixos-table-');
  const table = path.join(dir, 'table.yaml');
  const text = await readFile(path.join(REPO_ROOT, 'test/fixtures/confinement-table.yaml'), 'utf8');
  // The first two rows, the second's PrivateMounts read wrongly.
  const two = text.slice(0, text.indexOf('\n- row: full-apivfs, the service')).replace(/(chroot-only-every-default\n(?:.*\n)*?\s+- )PrivateMounts=yes/, '$1PrivateMounts=no');
  assert.ok(two.includes('PrivateMounts=no'), 'the alteration took');
  await writeFile(table, two);
  const script = path.join(REPO_ROOT, 'scripts/nixos-confinement-table.js');
  const stale = await execa('node', [script, '--table', table], { reject: false });
  assert.is(stale.exitCode, 1, stale.stdout);
  assert.match(stale.stdout, /row "chroot-only, every default": PrivateMounts: NixOS's module gives "yes"; the table says "no"/);
  assert.match(stale.stdout, /2 rows evaluated, 1 agree, 1 differ/);
  const written = await execa('node', [script, '--table', table, '--write'], { reject: false });
  assert.is(written.exitCode, 0, written.stdout);
  const rewritten = await readFile(table, 'utf8');
  assert.match(rewritten, /- PrivateMounts=yes\n(?:.*\n)*?\s+- InaccessiblePaths=-\+\/tmp/);
  assert.ok(rewritten.includes(`#   nixpkgs: NIXPKGS=${NIXPKGS}, `), 'the header says which nixpkgs');
});

nixosTest('the evaluation needs no /nix, no daemon and no home: a fresh machine runs it as root or not', async () => {
  const hadNix = existsSync('/nix');
  const home = await tempDir('nixos-home-');
  const env = { HOME: path.join(home, 'none'), XDG_CACHE_HOME: path.join(home, 'none'), NIX_REMOTE: 'daemon' };
  const evaluation = path.join(REPO_ROOT, 'test/nixos/confinement.nix');
  const args = ['--eval', '--strict', '--json', '--store', 'dummy://', evaluation, '--argstr', 'nixpkgs', NIXPKGS!, '--argstr', 'rowFile'];
  const rowFile = path.join(home, 'row.json');
  await writeFile(rowFile, JSON.stringify({ name: 'probe', binsh: '/bin/sh', service: { serviceConfig: { ExecStart: '/usr/bin/true' }, confinement: {} } }));
  const result = await execa('nix-instantiate', [...args, rowFile, '-A', 'binSh'], { env, reject: false });
  assert.is(result.exitCode, 0, result.stderr);
  assert.is(result.stdout, '"/bin/sh"');
  assert.is(existsSync('/nix'), hadNix, 'the evaluation made /nix');
  assert.not.ok(existsSync(path.join(home, 'none')), 'the evaluation wrote a home');
});

test.run();
