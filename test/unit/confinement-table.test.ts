// Fidelity with NixOS's confinement module: every row of test/fixtures/confinement-table.yaml
// (derived from the module's source) through the loader, the closure script and the drop-in.
// The closure is computed here, on a Debian like the guests, as it would be in one: what
// systemd parses of the unit's Exec* lines comes from a stand-in (execLines), and
// `systemctl cat` (for fullUnit) from a stand-in command printing the unit the harness wrote.
import { readFileSync, realpathSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDocument, stringify } from 'yaml';
import { closureScript, parseClosureOutput, EXEC_SETTINGS } from '../../harness/confinement/closure.js';
import { renderConfinementDropIn } from '../../harness/confinement/unit.js';
import { shellQuote } from '../../harness/util/quote.js';
import { loadScenarioText } from '../../harness/load/load.js';
import { renderServiceUnit } from '../../harness/runner/setup.js';
import { ScenarioErrors } from '../../harness/scenario/errors.js';
import type { ServiceSpec } from '../../harness/scenario/types.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

interface Row {
  row: string;
  source: string;
  name?: string;
  service: Record<string, unknown>;
  refused?: { key: string; problem: string };
  dropIn?: string[];
  binSh?: string | null;
  binds?: { includes?: string[]; excludes?: string[] };
  debian?: string;
}

const TABLE = path.join(REPO_ROOT, 'test/fixtures/confinement-table.yaml');
const rows = parseDocument(readFileSync(TABLE, 'utf8')).toJS() as Row[];

const bin = await tempDir('confinement-table-');
await writeFile(path.join(bin, 'systemctl'), '#!/bin/sh\n[ "$1" = cat ] && cat "$HARNESS_UNIT_FILE"\n');
await chmod(path.join(bin, 'systemctl'), 0o755);

/** The service as a scenario file declares it; the loader's answer. */
function load(row: Row): ServiceSpec {
  const name = row.name ?? 'probe';
  const text = stringify({ name: row.row, image: 'debian-bookworm', services: { [name]: row.service }, steps: [{ start: name }] });
  return loadScenarioText(text, 'table.yaml', {}).guests[0].services[0];
}

/** What `systemctl show -p ExecStart …` prints for the unit's Exec* lines (systemd 252's form). */
function showExecLines(unitText: string): string {
  return unitText
    .split('\n')
    .filter((line) => EXEC_SETTINGS.some((setting) => line.startsWith(`${setting}=`)))
    .map((line) => {
      const [setting, command] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
      const argv = command.replace(/^[-@:+!|]*/, '').trim();
      return `${setting}={ path=${argv.split(/\s+/)[0]} ; argv[]=${argv} ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }`;
    })
    .join('\n');
}

async function dropInFor(service: ServiceSpec): Promise<string> {
  const unitText = renderServiceUnit(service);
  const unitFile = path.join(bin, `${service.name}.service`);
  await writeFile(unitFile, unitText);
  const script = closureScript(`${service.name}.service`, service.confinement!, shellQuote(showExecLines(unitText)));
  const result = await execa('bash', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}`, HARNESS_UNIT_FILE: unitFile } });
  return renderConfinementDropIn(service, service.confinement!, parseClosureOutput(result.stdout));
}

const settings = (dropIn: string) => dropIn.split('\n').filter((line) => line && !line.startsWith('#') && line !== '[Service]');
const BIND = 'BindReadOnlyPaths=';
/** Each bind as [source, path inside]; a colon escaped as \: is no separator. */
const binds = (lines: string[]) =>
  lines
    .filter((line) => line.startsWith(BIND))
    .map((line) => line.slice(BIND.length).split(/(?<!\\):/))
    .map(([source, inside]) => [source, inside ?? source]);
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
        load(row);
      } catch (err) {
        if (!(err instanceof ScenarioErrors)) throw err;
        errors = err.errors.map((e) => `${e.key}: ${e.problem}`);
        assert.ok(err.errors.every((e) => e.line > 1 && e.col > 0), 'located');
      }
      assert.equal(errors, [`${row.refused.key}: ${row.refused.problem}`]);
      return;
    }
    const lines = settings(await dropInFor(load(row)));
    assert.equal(sorted(lines.filter((line) => !line.startsWith(BIND))), sorted(row.dropIn!), 'the drop-in, BindReadOnlyPaths= aside');
    const bound = binds(lines);
    const atBinSh = bound.filter(([, inside]) => inside === '/bin/sh');
    if (row.binSh === null) assert.equal(atBinSh, [], 'nothing at /bin/sh');
    else assert.equal(atBinSh, [[realpathSync(row.binSh!), '/bin/sh']], `only ${row.binSh} at /bin/sh`);
    const inside = bound.map(([, path]) => path);
    for (const path of row.binds?.includes ?? []) assert.ok(inside.includes(path), `${path} bound, in:\n${lines.join('\n')}`);
    for (const path of row.binds?.excludes ?? []) assert.not.ok(inside.includes(path), `${path} not bound, in:\n${lines.join('\n')}`);
  });
}

test.run();
