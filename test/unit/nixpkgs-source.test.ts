// Where the NixOS comparison finds nixpkgs (test/support/nixpkgs-source.ts): NIXPKGS, given by
// the user, never this repository. Without it nothing is evaluated and that is said, with
// the way to run it; a NIXPKGS without lib/ or the module is an error naming what is
// missing; and the table's header records which nixpkgs its NixOS fields came from.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT, tempDir } from '../support/harness.js';
import { MODULE_FILE, nixpkgsProblem, NOT_RUN, provenanceLines } from '../support/nixpkgs-source.js';
import { PROVENANCE_MARK, readProvenance, setProvenance } from '../support/nixos-table-write.js';

const script = path.join(REPO_ROOT, 'scripts/nixos-confinement-table.js');
const withoutNixpkgs = () => {
  const env = { ...process.env };
  delete env.NIXPKGS;
  return env;
};

test('without NIXPKGS the table script evaluates and writes nothing, says why and how to run it, and exits 2', async () => {
  const dir = await tempDir('nixpkgs-none-');
  const table = path.join(dir, 'table.yaml');
  await writeFile(table, 'unchanged\n');
  const run = await execa('node', [script, '--write', '--table', table], { env: withoutNixpkgs(), extendEnv: false, reject: false });
  assert.is(run.exitCode, 2);
  assert.is(run.stdout, '');
  assert.match(run.stderr, /^NIXPKGS is not set: nothing was evaluated and nothing written\. .*make confinement-table NIXPKGS=\/path\/to\/nixpkgs \(a folder holding lib\/.*systemd-confinement\.nix/);
  assert.is(await readFile(table, 'utf8'), 'unchanged\n');
  // What make check and test/nixos say when they skip.
  assert.match(NOT_RUN, /^NIXPKGS is not set: .*not evaluated.*make check NIXPKGS=\/path\/to\/nixpkgs \(a folder holding lib\/.*systemd-confinement\.nix/);
});

test('a NIXPKGS without lib/ or the module: an error naming what is missing, and nothing written', async () => {
  const dir = await tempDir('nixpkgs-partial-');
  assert.match(nixpkgsProblem(path.join(dir, 'absent'))!, /is no folder/);
  assert.match(nixpkgsProblem(dir)!, /has no lib\/default\.nix and no nixos\/modules\/security\/systemd-confinement\.nix/);
  await mkdir(path.join(dir, 'lib'));
  await writeFile(path.join(dir, 'lib/default.nix'), '{ }\n');
  assert.match(nixpkgsProblem(dir)!, /has no nixos\/modules\/security\/systemd-confinement\.nix;/);
  await mkdir(path.join(dir, path.dirname(MODULE_FILE)), { recursive: true });
  await writeFile(path.join(dir, MODULE_FILE), '{ }\n');
  assert.is(nixpkgsProblem(dir), undefined);
  const table = path.join(dir, 'table.yaml');
  await writeFile(table, 'unchanged\n');
  const run = await execa('node', [script, '--write', '--table', table], { env: { ...withoutNixpkgs(), NIXPKGS: path.join(dir, 'lib') }, extendEnv: false, reject: false });
  assert.is(run.exitCode, 1);
  assert.match(run.stderr, /NIXPKGS=.*\/lib has no lib\/default\.nix and no nixos\/modules/);
  assert.is(await readFile(table, 'utf8'), 'unchanged\n');
});

test("the table's header: its provenance block is replaced, the rest stays, and it reads back", async () => {
  const lines = provenanceLines({ dir: '/x/nixpkgs', commit: 'abc123', changed: true, moduleBlob: 'b10b', libVersion: '25.11', nix: 'nix-instantiate (Nix) 2.8.0' });
  assert.equal(lines, [
    'nixpkgs: NIXPKGS=/x/nixpkgs, commit abc123, with uncommitted changes to lib/ or the module',
    `module:  ${MODULE_FILE}, git blob b10b`,
    'lib:     version 25.11 (lib/.version)',
    'Nix:     nix-instantiate (Nix) 2.8.0',
  ]);
  const unknown = provenanceLines({ dir: '/y', commit: 'unknown', changed: false, moduleBlob: 'b', nix: 'n' });
  assert.is(unknown[0], 'nixpkgs: NIXPKGS=/y, commit unknown (not a git checkout)');
  assert.is(unknown[2], 'lib:     version unknown (no lib/.version)');
  const text = `# a\n${PROVENANCE_MARK}\n#   nixpkgs: old\n#   Nix:     old\n# b\n- row: r\n`;
  const written = setProvenance(text, lines);
  assert.is(written, `# a\n${PROVENANCE_MARK}\n${lines.map((l) => `#   ${l}`).join('\n')}\n# b\n- row: r\n`);
  assert.equal(readProvenance(written), lines);
  assert.is(setProvenance(written, lines), written);
  assert.throws(() => setProvenance('# no mark\n', lines), /has no line/);
  const real = await readFile(path.join(REPO_ROOT, 'test/fixtures/confinement-table.yaml'), 'utf8');
  assert.is(readProvenance(real)?.length, 4, 'the shipped table records where its NixOS fields came from');
});

test.run();
