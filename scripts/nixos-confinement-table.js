#!/usr/bin/env node
// The confinement table against NixOS's own module, evaluated with nix-instantiate
// (test/nixos/confinement.nix) from the nixpkgs the user gives: NIXPKGS, a folder outside this
// repository holding lib/ and nixos/modules/security/systemd-confinement.nix (a checkout).
//
//   NIXPKGS=DIR node scripts/nixos-confinement-table.js          every row: the table and the
//                                                                harness against NixOS; exit 1
//                                                                on a difference
//   NIXPKGS=DIR node scripts/nixos-confinement-table.js --write  first write the table's NixOS
//                                                                fields (dropIn, binSh,
//                                                                refused.nixos) from it, and in
//                                                                its header which nixpkgs
// Options: --nixpkgs DIR (instead of NIXPKGS), --module FILE (another module file),
//          --table FILE, --jobs N (evaluations at a time, default 2).
// `make confinement-table NIXPKGS=DIR` runs --write. Without NIXPKGS nothing is evaluated:
// the script says so and exits 2.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readTable, TABLE } from '../dist/test/support/confinement-table.js';
import { checkRows, describeDifference } from '../dist/test/support/nixos-compare.js';
import { resolveSource } from '../dist/test/support/nixos-confinement.js';
import { nixpkgsDir, NIXPKGS_NEEDS, provenance, provenanceLines } from '../dist/test/support/nixpkgs-source.js';
import { readProvenance, setProvenance, writeNixosFields } from '../dist/test/support/nixos-table-write.js';

const { values } = parseArgs({
  options: {
    write: { type: 'boolean', default: false },
    nixpkgs: { type: 'string' },
    module: { type: 'string' },
    table: { type: 'string', default: TABLE },
    jobs: { type: 'string', default: '2' },
  },
});
const given = nixpkgsDir(values.nixpkgs || process.env.NIXPKGS);
if (!given) {
  console.error(`NIXPKGS is not set: nothing was evaluated${values.write ? ' and nothing written' : ''}. Say which nixpkgs to evaluate: make confinement-table NIXPKGS=/path/to/nixpkgs (${NIXPKGS_NEEDS})`);
  process.exit(2);
}
let source;
let origin;
try {
  source = resolveSource({ nixpkgs: given, module: values.module });
  origin = await provenance(source.nixpkgs, source.module);
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
const moduleName = values.module ? path.resolve(values.module) : undefined;
const originLines = provenanceLines(origin, moduleName);
console.log(`NixOS's confinement module from:\n${originLines.map((l) => `  ${l}`).join('\n')}\n`);

const started = Date.now();
let { doc, rows } = readTable(values.table);
let checks = await checkRows(rows, { source }, Number(values.jobs));
if (values.write) {
  await writeFile(values.table, setProvenance(writeNixosFields(doc, checks.map((c) => c.fields)), originLines));
  console.log(`wrote the NixOS fields of ${checks.length} rows, and where they came from, into ${path.relative(process.cwd(), values.table)}`);
  ({ doc, rows } = readTable(values.table));
  checks = await checkRows(rows, { source }, Number(values.jobs));
}
for (const check of checks) {
  const mark = check.differences.length ? '✘' : '✔';
  const named = check.used.length ? ` (differs by name: ${check.used.join(', ')})` : '';
  console.log(`${mark} ${check.row}: ${check.verdict.refused === undefined ? 'confined' : 'refused'}${named}`);
  if (check.verdict.refused !== undefined) console.log(`    NixOS says: ${check.verdict.said}`);
  for (const d of check.differences) console.log(`    ${describeDifference(d)}`);
}
const differing = checks.filter((c) => c.differences.length).length;
const counted = checks.length === rows.length ? '' : ` — but the table has ${rows.length} rows`;
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`\nconfinement table against NixOS's module: ${checks.length} rows evaluated${counted}, ${checks.length - differing} agree, ${differing} differ (${seconds} s)`);
if (!values.write) {
  // Which nixpkgs the table was written from, beside the one just evaluated.
  const recorded = readProvenance(await readFile(values.table, 'utf8'));
  if (recorded && recorded.join('\n') !== originLines.join('\n')) console.log(`(the table's NixOS fields were written from another:\n${recorded.map((l) => `  ${l}`).join('\n')})`);
}
process.exit(differing || checks.length !== rows.length ? 1 : 0);
