// test/fixtures/confinement-table.yaml, read, and each of its rows through what the harness
// does with a confined service: the loader, the closure script (run here, on a Debian like
// the guests) and the drop-in. Shared by the test that holds the harness to the table and
// the one that holds both to NixOS's own module (test/nixos/).
import { readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { parseDocument, stringify, type Document } from 'yaml';
import { closureScript, parseClosureOutput, EXEC_SETTINGS } from '../../harness/confinement/closure.js';
import { renderConfinementDropIn } from '../../harness/confinement/unit.js';
import { shellQuote } from '../../harness/util/quote.js';
import { loadScenarioText } from '../../harness/load/load.js';
import { renderServiceUnit } from '../../harness/runner/setup.js';
import type { ServiceSpec } from '../../harness/scenario/types.js';
import { REPO_ROOT, tempDir } from './harness.js';

export interface Row {
  row: string;
  source: string;
  name?: string;
  service: Record<string, unknown>;
  /** The harness refuses the service (its key and words); `nixos`: what NixOS's evaluation said. */
  refused?: { key?: string; problem?: string; nixos?: string };
  /** Written by the evaluation: every setting of the drop-in but BindReadOnlyPaths=. */
  dropIn?: string[];
  /** Written by the evaluation: confinement.binSh, the file bound (resolved) at /bin/sh. */
  binSh?: string | null;
  binds?: { includes?: string[]; excludes?: string[] };
  /** Where the harness deliberately differs from NixOS on Debian: a named difference → why. */
  debian?: Record<string, string>;
}

export const TABLE = path.join(REPO_ROOT, 'test/fixtures/confinement-table.yaml');

export function readTable(file = TABLE): { doc: Document; rows: Row[] } {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  return { doc, rows: doc.toJS() as Row[] };
}

/** The row's service name (`probe` unless the row names one). */
export const serviceName = (row: Row) => row.name ?? 'probe';

/** The service as a scenario file declares it; the loader's answer (or its ScenarioErrors). */
export function loadRow(row: Row): ServiceSpec {
  const name = serviceName(row);
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

let standIns: Promise<string> | undefined;
/** A folder with a `systemctl` whose `cat` prints the unit the harness wrote (for fullUnit). */
function standInBin(): Promise<string> {
  standIns ??= (async () => {
    const bin = await tempDir('confinement-table-');
    await writeFile(path.join(bin, 'systemctl'), '#!/bin/sh\n[ "$1" = cat ] && cat "$HARNESS_UNIT_FILE"\n');
    await chmod(path.join(bin, 'systemctl'), 0o755);
    return bin;
  })();
  return standIns;
}

/** The drop-in the harness writes for a loaded, confined service, its closure computed here. */
export async function harnessDropIn(service: ServiceSpec): Promise<string> {
  const bin = await standInBin();
  const unitText = renderServiceUnit(service);
  const unitFile = path.join(bin, `${service.name}.service`);
  await writeFile(unitFile, unitText);
  const script = closureScript(`${service.name}.service`, service.confinement!, shellQuote(showExecLines(unitText)));
  const result = await execa('bash', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}`, HARNESS_UNIT_FILE: unitFile } });
  return renderConfinementDropIn(service, service.confinement!, parseClosureOutput(result.stdout));
}

/** A drop-in's settings as `Key=value` lines: no comments, no section header. */
export const settingLines = (dropIn: string) => dropIn.split('\n').filter((line) => line && !line.startsWith('#') && !line.startsWith('['));

export const BIND = 'BindReadOnlyPaths=';
/** Each bind as [source, path inside]; a colon escaped as \: is no separator. */
export const bindsOf = (lines: string[]) =>
  lines
    .filter((line) => line.startsWith(BIND))
    .map((line) => line.slice(BIND.length).split(/(?<!\\):/))
    .map(([source, inside]) => [source, inside ?? source]);
