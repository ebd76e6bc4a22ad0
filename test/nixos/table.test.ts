// Every row of test/fixtures/confinement-table.yaml through NixOS's own confinement module
// (from NIXPKGS, evaluated by nix-instantiate): the table's NixOS fields must be what the
// evaluation writes, and the harness's drop-in what the module adds, setting by setting.
// A deliberate difference on Debian is excused only by its name in the row's `debian:`.
// Without NIXPKGS every test here is skipped (test/support/nixos-gate.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTable } from '../support/confinement-table.js';
import { checkRows, describeDifference, DIFFERENCES, type RowCheck } from '../support/nixos-compare.js';
import { NIXPKGS, nixosTest, requireNixos } from '../support/nixos-gate.js';

const { rows } = readTable();
let checks: RowCheck[] = [];
let failure: unknown;
if (NIXPKGS) {
  const started = Date.now();
  try {
    await requireNixos();
    checks = await checkRows(rows);
    console.log(`evaluated ${checks.length} rows with NixOS's module from NIXPKGS=${NIXPKGS} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    failure = err;
  }
}

if (failure) {
  test("NixOS's module evaluates (NIXPKGS, nix-instantiate)", () => {
    throw failure;
  });
}

nixosTest('every row of the table is evaluated, once', () => {
  assert.is(checks.length, rows.length);
  assert.equal(
    checks.map((c) => c.row),
    rows.map((r) => r.row),
  );
  assert.is(new Set(rows.map((r) => r.row)).size, rows.length, 'row names are unique');
});

nixosTest('the table has confined and refused rows, and the row-level differences it names are all used', () => {
  assert.ok(checks.some((c) => c.verdict.refused === undefined) && checks.some((c) => c.verdict.refused !== undefined));
  const rowLevel = Object.keys(DIFFERENCES).filter((name) => DIFFERENCES[name].scope === 'row');
  for (const name of rowLevel) assert.ok(checks.some((c) => c.used.includes(name)), `no row needs ${name}: drop it from DIFFERENCES`);
});

for (const [i, row] of rows.entries()) {
  nixosTest(`${row.row}: the table and the harness are what NixOS's module gives`, () => {
    const check = checks[i];
    assert.ok(check, 'not evaluated');
    assert.is(check.row, row.row);
    assert.equal(check.differences.map(describeDifference), []);
  });
}

test.run();
