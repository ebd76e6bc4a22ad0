#!/usr/bin/env node
// `make check`: the harness's own tests (unit, NixOS's module when NIXPKGS is given, then
// real guests), then the shipped scenario suite, closing with one line "N passed, N failed"
// (", N skipped" when a part was not run) for CI to read.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { junitCounts } from './junit-counts.js';
import { NOT_RUN } from '../dist/test/support/nixpkgs-source.js';

/** Runs a command with its output shown live and kept for counting. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? 128, signal, output }));
  });
}

/** uvu prints "Total: N / Passed: N / Skipped: N" (Total leaves the skipped out); a crash
 *  before them counts as one failure. Skipped tests are shown, not counted as passed. */
function uvuCounts(result) {
  const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(result.output)?.[1] ?? NaN);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped') || 0;
  if (Number.isNaN(total) || Number.isNaN(passed)) return { passed: 0, failed: 1, skipped };
  const failed = total - passed;
  return { passed, failed: failed > 0 || result.code === 0 ? failed : 1, skipped };
}

const totals = { passed: 0, failed: 0, skipped: 0 };
// CI keeps only the tail of a long log: each part's time, and at the end the parts that
// failed with what failed in them, so the last screen says where to look.
const failedParts = [];
// Parts not run (and why): counted as skipped, never as passed, and listed again at the end.
const skippedParts = [];
let partStarted = Date.now();
const add = (label, counts, what = counts.what ?? []) => {
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
  totals.skipped += counts.skipped ?? 0;
  const seconds = Math.round((Date.now() - partStarted) / 1000);
  partStarted = Date.now();
  if (counts.failed > 0) failedParts.push({ label, failed: counts.failed, what });
  console.log(`\n== ${label}: ${counts.passed} passed, ${counts.failed} failed${skipped} (${seconds} s)\n`);
};
/** uvu's "FAIL  suite  "name"" lines: which tests of a part failed. */
const uvuFailures = (result) => [...result.output.matchAll(/^\s*FAIL\s+(.+)$/gm)].map((m) => m[1].trim());

const passFail = (result) => (result.code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });
add('import graph: no circle, no import back up (npm run layout)', passFail(await run('npx', ['depcruise', 'harness', '--config', '.dependency-cruiser.cjs'])));
add('no file under harness/ over 300 lines (npm run layout)', passFail(await run('node', ['scripts/file-lengths.js'])));
add('shell and Python programs linted (shellcheck, py_compile)', passFail(await run('scripts/lint-programs.sh', [])));
const parts = [
  ['unit tests', 'unit'],
  // Each row of the confinement table, and the harness's drop-in, against NixOS's own module
  // evaluated by nix-instantiate from the nixpkgs the user gives (NIXPKGS, a folder outside
  // this repository), and the proof that this is not vacuous. Without NIXPKGS: not run.
  ["confinement table and drop-ins against NixOS's own module (test/nixos, NIXPKGS)", 'nixos'],
  ['compare page in headless chromium', 'browser'],
];
for (const [label, folder] of parts) {
  if (folder === 'nixos' && !process.env.NIXPKGS) {
    console.log(`\n== NOT RUN: ${label}\n${NOT_RUN}`);
    skippedParts.push({ label, why: NOT_RUN });
    add(`${label}: not run, NIXPKGS is not set`, { passed: 0, failed: 0, skipped: 1 });
    continue;
  }
  if (folder === 'nixos') console.log(`\n== NixOS's module from NIXPKGS=${process.env.NIXPKGS}`);
  const result = await run('npx', ['uvu', `dist/test/${folder}`, '\\.test\\.js$', '--no-color']);
  add(label, uvuCounts(result), uvuFailures(result));
}
// The guest tests file by file, each timed: they are most of make check's time, and the
// table at the end says where it goes.
const vmFiles = (await readdir('dist/test/vm')).filter((name) => name.endsWith('.test.js')).sort();
const vmCounts = { passed: 0, failed: 0, skipped: 0 };
const vmFailed = [];
const vmTimes = [];
for (const file of vmFiles) {
  const started = Date.now();
  const result = await run('npx', ['uvu', 'dist/test/vm', `^${file.replace(/\./g, '\\.')}$`, '--no-color']);
  const counts = uvuCounts(result);
  for (const key of ['passed', 'failed', 'skipped']) vmCounts[key] += counts[key];
  vmFailed.push(...uvuFailures(result).map((name) => `${file}: ${name}`), ...(counts.failed && !uvuFailures(result).length ? [`${file}: exit ${result.code}`] : []));
  vmTimes.push([file, Math.round((Date.now() - started) / 1000)]);
}
console.log(`\n${vmTimes.map(([file, seconds]) => `${String(seconds).padStart(5)} s  ${file}`).join('\n')}`);
add('tests with real guests', vmCounts, vmFailed);
// CI runs `make test` first, as a newcomer does; its report is the suite's result here, not
// a second run of the same 13 minutes. Without SUITE_REPORT the suite runs now.
const suiteReport = process.env.SUITE_REPORT || '';
if (suiteReport) {
  console.log(`\n== the scenario suite's result is ${suiteReport}, which \`make test\` wrote (SUITE_REPORT)`);
  add(`scenario suite (${suiteReport}, from make test)`, await junitCounts(suiteReport, 0));
} else {
  const suite = await run('node', ['bin/harness.js', 'run', 'scenarios', '--junit', 'reports/junit.xml']);
  add('scenario suite (reports/junit.xml)', await junitCounts('reports/junit.xml', suite.code));
}
const schema = await run('xmllint', ['--noout', '--schema', 'vendor/junit/junit-10.xsd', suiteReport || 'reports/junit.xml']);
add(`${suiteReport || 'reports/junit.xml'} against the JUnit schema`, passFail(schema));

// A small sample of the mutant catalogue, so it cannot rot: every harness-side mutant (a
// few seconds each), two guest-side ones and one package mutant (the cheapest: the smallest
// package to repack, caught by a scenario of few steps; its image is built once, then found
// built) against the scenarios meant to catch them. `make mutants` runs the whole catalogue
// against the whole suite.
const mutants = await run('node', [
  'bin/harness.js', 'mutants', 'scenarios/confinement/full-apivfs.yaml', 'scenarios/hardening/userns-off.yaml',
  'scenarios/pam/account-nss-extrausers.yaml',
  '--only', 'private-users-off,userns-allowed,pam-unix-account-ignored', '--junit', 'reports/mutants-sample.xml',
]);
add('guest-side mutant sample (reports/mutants-sample.xml)', await junitCounts('reports/mutants-sample.xml', mutants.code));
const harnessMutants = await run('node', ['bin/harness.js', 'mutants', '--side', 'harness', '--junit', 'reports/mutants-harness.xml']);
add('harness-side mutants (reports/mutants-harness.xml)', await junitCounts('reports/mutants-harness.xml', harnessMutants.code));

// The matrix on every run, kept small: the scenarios tagged `matrix` (those that pin
// version differences) on every image but the default, which ran the whole suite above.
// `make matrix` runs everything everywhere.
const others = (await readFile('images/debian/images.list', 'utf8'))
  .split('\n')
  .map((line) => line.replace(/#.*/, '').trim().split(/\s+/)[0])
  .filter((name) => name && name !== 'debian-bookworm');
// A matrix scenario whose own `image:` names an image already ran there in the suite.
const matrixScenarios = JSON.parse((await run('node', ['bin/harness.js', 'list', 'scenarios', '--grep', '^matrix$', '--json'])).output);
// What a systemd gate compares: one guest on the archive's packages alone. debian-bookworm-
// backports (a fixed archive, and the candidate gate's baseline) runs these; trixie and
// forky (the moving one) run every matrix scenario, several guests and packages: included.
const oneGuestPlain = (s) => s.guests.length === 1 && s.guests[0].packages.length === 0;
const CANDIDATE_BASELINE = 'debian-bookworm-backports';
for (const image of others) {
  const junit = `reports/matrix-ci/${image}.xml`;
  const files = matrixScenarios.filter((s) => !s.images.includes(image) && (image !== CANDIDATE_BASELINE || oneGuestPlain(s))).map((s) => s.file);
  const result = await run('node', ['bin/harness.js', 'run', ...files, '--image', image, '--junit', junit]);
  add(`\`matrix\` scenarios on ${image} (${junit})`, await junitCounts(junit, result.code));
}

// A candidate systemd, as a maintainer gates an upload (README, "Gate a systemd upload"):
// bookworm-backports' .debs installed over bookworm, the `matrix` scenarios on it, and a
// compare against debian-bookworm-backports, which has the same systemd from the archive.
const candidateDebs = 'reports/candidate-debs';
const fetched = await run('scripts/fetch-debs.sh', [
  'bookworm-backports', candidateDebs, 'systemd', 'systemd-sysv', 'systemd-dev', 'libsystemd0', 'libsystemd-shared',
  'libpam-systemd', 'libnss-systemd', 'udev', 'libudev1',
]);
add('candidate .debs fetched (bookworm-backports)', passFail(fetched));
const built = await run('env', ['BASE=debian-bookworm', `DEBS=${candidateDebs}`, 'images/build-if-needed.sh', 'bookworm-candidate']);
add('candidate image bookworm-candidate built (BASE=debian-bookworm DEBS=…)', passFail(built));
const candidateJunit = 'reports/matrix-ci/bookworm-candidate.xml';
// The gate is about systemd: the same one-guest matrix scenarios as its baseline ran.
const gated = matrixScenarios.filter(oneGuestPlain).map((s) => s.file);
const onCandidate = await run('node', ['bin/harness.js', 'run', ...gated, '--image', 'bookworm-candidate', '--junit', candidateJunit]);
add(`\`matrix\` scenarios on the candidate (${candidateJunit})`, await junitCounts(candidateJunit, onCandidate.code));
// The same packages, from a folder and from the archive, must change no outcome: the gate
// fails on what compare found (--fail-on-change prints the changed steps), not on whether it ran.
const compared = await run('node', ['bin/harness.js', 'compare', 'reports/matrix-ci/debian-bookworm-backports.xml', candidateJunit, '--format', 'markdown', '-o', 'reports/candidate-compare.md', '--fail-on-change']);
add('compare: debian-bookworm-backports against the candidate changes no outcome (reports/candidate-compare.md)', passFail(compared));

if (failedParts.length > 0) {
  console.log('\n== what failed');
  for (const part of failedParts) {
    console.log(`- ${part.label}: ${part.failed} failed`);
    for (const line of part.what) console.log(`    ${line}`);
  }
  console.log('');
}
if (skippedParts.length > 0) {
  console.log('\n== not run (counted as skipped)');
  for (const part of skippedParts) console.log(`- ${part.label}\n    ${part.why}`);
  console.log('');
}
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed > 0 ? 1 : 0);
