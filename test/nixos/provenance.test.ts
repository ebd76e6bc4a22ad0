// `make confinement-table NIXPKGS=DIR` follows whatever nixpkgs DIR holds, and the table's
// header says which: here DIR is a folder made from NIXPKGS (its lib/, its module with
// PrivateMounts' default turned off), first a plain folder (commit unknown), then a git
// checkout (its commit), then that checkout with the module changed after the commit. The
// script names the setting the other module changes. Skipped without NIXPKGS.
import { symlink, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT, tempDir } from '../support/harness.js';
import { NIXPKGS, nixosTest } from '../support/nixos-gate.js';
import { MODULE_FILE } from '../support/nixpkgs-source.js';
import { readProvenance } from '../support/nixos-table-write.js';

const script = path.join(REPO_ROOT, 'scripts/nixos-confinement-table.js');

nixosTest("another nixpkgs: the script names what its module changes, and --write records which nixpkgs, commit or not", async () => {
  const dir = await tempDir('nixpkgs-other-');
  const other = path.join(dir, 'nixpkgs');
  await mkdir(path.join(other, path.dirname(MODULE_FILE)), { recursive: true });
  await symlink(path.join(NIXPKGS!, 'lib'), path.join(other, 'lib'));
  const module = await readFile(path.join(NIXPKGS!, MODULE_FILE), 'utf8');
  const altered = module.replace(/PrivateMounts\s*=[^;]*;/, 'PrivateMounts = lib.mkDefault false;');
  assert.is.not(altered, module, 'the module sets PrivateMounts: choose another alteration');
  await writeFile(path.join(other, MODULE_FILE), altered);

  // The table's header and first row.
  const table = path.join(dir, 'table.yaml');
  const text = await readFile(path.join(REPO_ROOT, 'test/fixtures/confinement-table.yaml'), 'utf8');
  await writeFile(table, text.slice(0, text.indexOf('\n- row: chroot-only, every default')));
  const run = (...args: string[]) => execa('node', [script, '--table', table, ...args], { env: { NIXPKGS: other }, reject: false });

  const compared = await run();
  assert.is(compared.exitCode, 1, compared.stdout);
  assert.match(compared.stdout, /row "full-apivfs, every default": PrivateMounts: NixOS's module gives "no"; the table says "yes"/);
  assert.match(compared.stdout, /row "full-apivfs, every default": PrivateMounts: NixOS's module gives "no"; the harness writes "yes"/);
  assert.match(compared.stdout, /the table's NixOS fields were written from another/);

  const blob = (await execa('git', ['hash-object', path.join(other, MODULE_FILE)])).stdout;
  await run('--write');
  let written = await readFile(table, 'utf8');
  assert.match(written, /- PrivateMounts=no\n/);
  assert.equal(readProvenance(written)?.slice(0, 2), [`nixpkgs: NIXPKGS=${other}, commit unknown (not a git checkout)`, `module:  ${MODULE_FILE}, git blob ${blob}`]);

  const git = (...args: string[]) => execa('git', ['-C', other, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'other');
  const commit = (await git('rev-parse', 'HEAD')).stdout;
  await run('--write');
  written = await readFile(table, 'utf8');
  assert.is(readProvenance(written)?.[0], `nixpkgs: NIXPKGS=${other}, commit ${commit}`);

  await writeFile(path.join(other, MODULE_FILE), module);
  await run('--write');
  written = await readFile(table, 'utf8');
  assert.is(readProvenance(written)?.[0], `nixpkgs: NIXPKGS=${other}, commit ${commit}, with uncommitted changes to lib/ or the module`);
  assert.match(written, /- PrivateMounts=yes\n/, 'the unaltered module again');
});

test.run();
