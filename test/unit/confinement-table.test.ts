// The harness against test/fixtures/confinement-table.yaml: every row through the loader,
// the closure script and the drop-in (test/support/confinement-table.ts). The closure is
// computed here, on a Debian like the guests, as it would be in one: what systemd parses of
// the unit's Exec* lines comes from a stand-in, and `systemctl cat` (for fullUnit) from a
// stand-in command printing the unit the harness wrote. The table's dropIn, binSh and
// refused.nixos are what NixOS's own module gives (test/nixos/ holds them to it).
import { realpathSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ScenarioErrors } from '../../harness/scenario/errors.js';
import { BIND, bindsOf, harnessDropIn, loadRow, readTable, settingLines } from '../support/confinement-table.js';

const { rows } = readTable();
const sorted = (list: string[]) => [...list].sort();

test('the table covers what the issue asks for: modes, binSh, packages, fullUnit, DynamicUser, PrivateUsers, own settings, refusals', () => {
  const text = rows.map((row) => `${row.row} ${JSON.stringify(row.service)}`).join('\n');
  for (const needle of ['chroot-only', 'full-apivfs', 'binSh: null', 'binSh', 'packages', 'fullUnit', 'DynamicUser', 'dynamic', 'PrivateUsers', 'PrivateTmp', 'ProtectSystem', 'RootDirectoryStartOnly']) {
    assert.ok(text.includes(needle.replace('binSh: null', '"binSh":null')), `no row about ${needle}`);
  }
  assert.ok(rows.some((row) => row.refused) && rows.some((row) => row.debian));
  for (const row of rows) assert.ok(row.source && (row.refused ? !row.dropIn : row.dropIn && row.binSh !== undefined), `row "${row.row}" is incomplete`);
});

for (const row of rows) {
  test(`${row.row}: ${row.source}`, async () => {
    if (row.refused) {
      let errors: string[] = [];
      try {
        loadRow(row);
      } catch (err) {
        if (!(err instanceof ScenarioErrors)) throw err;
        errors = err.errors.map((e) => `${e.key}: ${e.problem}`);
        assert.ok(err.errors.every((e) => e.line > 1 && e.col > 0), 'located');
      }
      assert.equal(errors, [`${row.refused.key}: ${row.refused.problem}`]);
      return;
    }
    const lines = settingLines(await harnessDropIn(loadRow(row)));
    assert.equal(sorted(lines.filter((line) => !line.startsWith(BIND))), sorted(row.dropIn!), 'the drop-in, BindReadOnlyPaths= aside');
    const bound = bindsOf(lines);
    const atBinSh = bound.filter(([, inside]) => inside === '/bin/sh');
    if (row.binSh === null) assert.equal(atBinSh, [], 'nothing at /bin/sh');
    else assert.equal(atBinSh, [[realpathSync(row.binSh!), '/bin/sh']], `only ${row.binSh} at /bin/sh`);
    const inside = bound.map(([, path]) => path);
    for (const path of row.binds?.includes ?? []) assert.ok(inside.includes(path), `${path} bound, in:\n${lines.join('\n')}`);
    for (const path of row.binds?.excludes ?? []) assert.not.ok(inside.includes(path), `${path} not bound, in:\n${lines.join('\n')}`);
  });
}

test.run();
