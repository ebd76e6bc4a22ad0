#!/usr/bin/env node
// `make matrix`: the shipped suite once per image (names as arguments), one JUnit per
// image in reports/matrix/<image>.xml, a summary per image, then the compare table.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { junitCounts } from './junit-counts.js';

const images = process.argv.slice(2);
if (images.length === 0) {
  console.error('usage: node scripts/matrix.js IMAGE…');
  process.exit(2);
}
const reportDir = 'reports/matrix';
await mkdir(reportDir, { recursive: true });

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
    child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 128)));
  });
}

async function systemdOf(image) {
  try {
    const meta = JSON.parse(await readFile(`images/out/${image}/image.json`, 'utf8'));
    return meta.packages?.systemd ?? meta.systemdPackageVersion ?? '?';
  } catch {
    return '?';
  }
}

const rows = [];
for (const image of images) {
  const junit = `${reportDir}/${image}.xml`;
  console.log(`\n== ${image}: node bin/harness.js run scenarios --image ${image} --junit ${junit}\n`);
  const started = Date.now();
  const code = await run('node', ['bin/harness.js', 'run', 'scenarios', '--image', image, '--junit', junit]);
  rows.push({ image, systemd: await systemdOf(image), code, seconds: Math.round((Date.now() - started) / 1000), ...(await junitCounts(junit, code)) });
  if (code >= 130) break; // interrupted: the user wants out
}

console.log('\n== matrix: the shipped suite per image (reports in reports/matrix/)\n');
const header = ['image', 'systemd', 'passed', 'failed', 'skipped', 'time'];
const table = [header, ...rows.map((r) => [r.image, r.systemd, r.passed, r.failed, r.skipped, `${r.seconds}s`].map(String))];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());

await compareTable(rows.map((r) => `${reportDir}/${r.image}.xml`).filter((f) => existsSync(f)));

const failed = rows.reduce((n, r) => n + r.failed, 0);
const passed = rows.reduce((n, r) => n + r.passed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || rows.length < images.length ? 1 : 0);

/**
 * The compare table over the per-image reports, in the matrix's order (oldest systemd
 * first when called by make matrix): text here, and the self-contained HTML page beside them.
 */
async function compareTable(reports) {
  if (reports.length < 2) return;
  console.log('');
  await run('node', ['bin/harness.js', 'compare', ...reports]);
  await run('node', ['bin/harness.js', 'compare', ...reports, '--format', 'html', '-o', `${reportDir}/compare.html`]);
  console.log(`\n(the compare page: ${reportDir}/compare.html)`);
}
