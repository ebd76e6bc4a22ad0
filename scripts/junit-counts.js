// Counts of a JUnit report the harness wrote, for make check's and make matrix's summaries.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';

/** passed / failed (failures + errors) / skipped over every <testsuite>; a missing report
 *  or a non-zero exit with nothing failed counts as one failure. */
export async function junitCounts(file, code) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const xml = await readFile(file, 'utf8');
  // The schema has no `skipped` on <testsuites>: add up every <testsuite>'s counts.
  const sum = (name) =>
    [...xml.matchAll(/<testsuite\b([^>]*)>/g)].reduce((n, m) => n + Number(new RegExp(`\\b${name}="(\\d+)"`).exec(m[1])?.[1] ?? 0), 0);
  const bad = sum('failures') + sum('errors');
  const passed = sum('tests') - bad - sum('skipped');
  return { passed, failed: bad > 0 || code === 0 ? bad : 1, skipped: sum('skipped') };
}
