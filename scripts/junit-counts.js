// Counts of a JUnit report the harness wrote, for make check's and make matrix's summaries.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';

/** passed / failed (failures + errors) / skipped over every <testsuite>; a missing report
 *  or a non-zero exit with nothing failed counts as one failure. `what` names what failed:
 *  "testsuite › testcase" for each failed or errored case, or why the report counts as one. */
export async function junitCounts(file, code) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, what: [`${file} was not written (exit ${code})`] };
  const xml = await readFile(file, 'utf8');
  // The schema has no `skipped` on <testsuites>: add up every <testsuite>'s counts.
  const sum = (name) =>
    [...xml.matchAll(/<testsuite\b([^>]*)>/g)].reduce((n, m) => n + Number(new RegExp(`\\b${name}="(\\d+)"`).exec(m[1])?.[1] ?? 0), 0);
  const bad = sum('failures') + sum('errors');
  const passed = sum('tests') - bad - sum('skipped');
  return { passed, failed: bad > 0 || code === 0 ? bad : 1, skipped: sum('skipped'), what: failedCases(xml, bad, code) };
}

const unescape = (text) => text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function failedCases(xml, bad, code) {
  if (bad === 0) return code === 0 ? [] : [`exit ${code} with nothing failed in the report`];
  const names = [];
  for (const suite of xml.matchAll(/<testsuite\b[^>]*?\bname="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g)) {
    // <testcase …/> passed; <testcase …>…</testcase> failed when it holds a failure or error
    for (const testcase of suite[2].matchAll(/<testcase\b[^>]*?\bname="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      if (/<(failure|error)\b/.test(testcase[2] ?? '')) names.push(`${unescape(suite[1])} › ${unescape(testcase[1])}`);
    }
  }
  return names;
}
