#!/usr/bin/env node
// `make check`: the harness's own tests (unit, then real guests), then the shipped
// scenario suite, closing with one line "N passed, N failed" for CI to read.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';

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

async function junitCounts(file, code) {
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  const xml = await readFile(file, 'utf8');
  // The schema has no `skipped` on <testsuites>: add up every <testsuite>'s counts.
  const sum = (name) =>
    [...xml.matchAll(/<testsuite\b([^>]*)>/g)].reduce((n, m) => n + Number(new RegExp(`\\b${name}="(\\d+)"`).exec(m[1])?.[1] ?? 0), 0);
  const bad = sum('failures') + sum('errors');
  const passed = sum('tests') - bad - sum('skipped');
  return { passed, failed: bad > 0 || code === 0 ? bad : 1, skipped: sum('skipped') };
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const add = (label, counts) => {
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
  totals.skipped += counts.skipped ?? 0;
  console.log(`\n== ${label}: ${counts.passed} passed, ${counts.failed} failed${skipped}\n`);
};

add('unit tests', uvuCounts(await run('npx', ['uvu', 'dist/test/unit', '\\.test\\.js$', '--no-color'])));
add('tests with real guests', uvuCounts(await run('npx', ['uvu', 'dist/test/vm', '\\.test\\.js$', '--no-color'])));
add('compare page in headless chromium', uvuCounts(await run('npx', ['uvu', 'dist/test/browser', '\\.test\\.js$', '--no-color'])));
const suite = await run('node', ['bin/harness.js', 'run', 'scenarios', '--junit', 'reports/junit.xml']);
add('scenario suite (reports/junit.xml)', await junitCounts('reports/junit.xml', suite.code));
const schema = await run('xmllint', ['--noout', '--schema', 'vendor/junit/junit-10.xsd', 'reports/junit.xml']);
add('reports/junit.xml against the JUnit schema', schema.code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });

console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed > 0 ? 1 : 0);
