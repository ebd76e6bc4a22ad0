// --shard I/N planning, durations from an earlier report, and `harness merge`: shards
// merged must equal the whole run, and the merged file must be valid JUnit.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunSummary, ScenarioResult, StepResult } from '../../harness/report/events.js';
import { parseJUnit } from '../../harness/report/junit-read.js';
import { renderJUnit } from '../../harness/report/junit.js';
import { mergeJUnit } from '../../harness/report/merge.js';
import { resultsFromSuites } from '../../harness/report/junit-results.js';
import { renderMarkdown } from '../../harness/report/markdown.js';
import type { XmlElement } from '../../harness/report/xml.js';
import type { Scenario } from '../../harness/load/scenario.js';
import { parseShard, planShards, readDurations, scenarioWeights, selectShard } from '../../harness/runner/shard.js';
import { REPO_ROOT, SCHEMA, tempDir } from '../support/harness.js';

const BIN = path.join(REPO_ROOT, 'bin/harness.js');

function scenario(name: string, steps: number, images = ['debian-bookworm']): Scenario {
  const step = { kind: 'run' as const, name: 's', command: 'true', expect: { exit: 0 }, everyMs: 1000, at: { file: `${name}.yaml`, line: 1, col: 1 } };
  return { name, tags: [], images, timeoutMs: 1, guests: [{ name: 'guest', vm: {}, files: {}, sysctl: {}, services: [], packages: [], at: { file: `${name}.yaml`, line: 1, col: 1 } }], steps: Array.from({ length: steps }, () => step), file: `scenarios/${name}.yaml` };
}

const SCENARIOS = [scenario('a', 9), scenario('b', 1), scenario('c', 5), scenario('d', 5), scenario('e', 2), scenario('f', 3, ['x', 'y'])];
const names = (list: Scenario[]) => list.map((s) => s.name);

/** uvu has no assert.rejects: the promise must reject with a message matching `pattern`. */
async function rejects(promise: Promise<unknown>, pattern?: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    if (pattern) assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable('expected a rejection');
}

// ---- planning ----

test('--shard values: I/N with 1 <= I <= N, anything else named', () => {
  assert.equal(parseShard('2/3'), { index: 2, total: 3 });
  for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '-1/2', '1/2/3', '']) assert.throws(() => parseShard(bad), /--shard must be I\/N/, bad);
});

test('shards partition the scenarios: every one in exactly one shard, each in file order', () => {
  for (let total = 1; total <= 8; total++) {
    const all = Array.from({ length: total }, (_, i) => names(selectShard(SCENARIOS, { index: i + 1, total })));
    assert.equal(all.flat().sort(), names(SCENARIOS).sort(), `N=${total}`);
    for (const shard of all) assert.equal(shard, [...shard].sort(), `N=${total}: order kept`);
  }
});

test('deterministic: the same inputs give the same plan, whatever the order of calls', () => {
  const first = names(selectShard(SCENARIOS, { index: 2, total: 3 }));
  selectShard(SCENARIOS, { index: 1, total: 3 });
  assert.equal(names(selectShard(SCENARIOS, { index: 2, total: 3 })), first);
});

test('without durations, balanced by step count (× images): greedy longest first into the lightest', () => {
  // weights a9 b1 c5 d5 e2 f6 (3 steps × 2 images) → a | f,e,b | c,d  ⇒ loads 9, 9, 10
  assert.equal(scenarioWeights(SCENARIOS), [9, 1, 5, 5, 2, 6]);
  assert.equal(planShards([9, 1, 5, 5, 2, 6], ['a', 'b', 'c', 'd', 'e', 'f'], 3), [[0], [1, 4, 5], [2, 3]]);
  const loads = [1, 2, 3].map((i) => selectShard(SCENARIOS, { index: i, total: 3 }).reduce((n, s) => n + s.steps.length * s.images.length, 0));
  assert.ok(Math.max(...loads) - Math.min(...loads) <= 2, `loads ${loads}`);
});

test('with durations, a short scenario with many steps no longer weighs most', () => {
  const durations = new Map([['a', 10], ['b', 300], ['c', 50], ['d', 40], ['e', 20], ['f [x]', 15], ['f [y]', 15]]);
  assert.equal(scenarioWeights(SCENARIOS, durations), [10, 300, 50, 40, 20, 30]);
  assert.equal(names(selectShard(SCENARIOS, { index: 1, total: 2 }, durations)), ['b']);
  assert.equal(names(selectShard(SCENARIOS, { index: 2, total: 2 }, durations)), ['a', 'c', 'd', 'e', 'f']);
});

test('a scenario the earlier report lacks is guessed from the known seconds per step', () => {
  const durations = new Map([['a', 90]]); // 9 steps → 10 s a step
  assert.equal(scenarioWeights([SCENARIOS[0], SCENARIOS[1]], durations), [90, 10]);
});

test('durations come from an earlier JUnit report; a bad file is named', async () => {
  const dir = await tempDir('harness-shard-');
  const report = path.join(dir, 'earlier.xml');
  await writeFile(report, renderJUnit([result('a', ['passed'], 12_500), result('b', ['passed'], 800)], summaryOf(2), { hostname: 'h', rootDir: '/' }));
  assert.equal([...(await readDurations(report))], [['a', 12.5], ['b', 0.8]]);
  await rejects(readDurations(path.join(dir, 'missing.xml')), /--shard-durations: .*missing.xml: no such file/);
  await writeFile(path.join(dir, 'notes.xml'), '<notes><testsuite/></notes>');
  await rejects(readDurations(path.join(dir, 'notes.xml')), /--shard-durations: .*notes.xml: not a JUnit report: the root element is <notes>/);
});

// ---- merging ----

function step(name: string, outcome: StepResult['outcome']): StepResult {
  return { name, kind: 'run', outcome, durationMs: 100, location: 'x:1:1', message: outcome === 'passed' ? undefined : `why\n"${name}" & <more>` };
}

function result(name: string, outcomes: StepResult['outcome'][], durationMs = 1000): ScenarioResult {
  return {
    info: { name, file: `/repo/scenarios/${name}.yaml`, image: 'debian-bookworm', stepCount: outcomes.length },
    steps: outcomes.map((o, i) => step(`${name} step ${i}`, o)),
    durationMs,
    startedAt: new Date('2026-01-02T03:04:05Z'),
    properties: { systemd: '252' },
    output: 'serial\n  tail\twith tab',
  };
}

function summaryOf(n: number): RunSummary {
  return { passed: n, failed: 0, errors: 0, skipped: 0, durationMs: 5000 };
}

const RESULTS = [result('a', ['passed', 'failed']), result('b', ['error', 'skipped', 'skipped']), result('c', ['passed']), result('d', ['passed', 'passed'])];
const OPTIONS = { hostname: 'ci', rootDir: '/repo' };

/** Every testcase as "suite|classname|name|outcome|message", sorted: what CI would list. */
function testcases(suites: XmlElement[]): string[] {
  return suites
    .flatMap((suite) =>
      (suite.children ?? [])
        .filter((c) => c.name === 'testcase')
        .map((tc) => {
          const outcome = (tc.children ?? []).find((c) => ['failure', 'error', 'skipped'].includes(c.name));
          return [suite.attributes?.name, tc.attributes?.classname, tc.attributes?.name, outcome?.name ?? 'passed', outcome?.attributes?.message ?? ''].join('|');
        }),
    )
    .sort();
}

async function xmllint(xml: string): Promise<{ exitCode: number; stderr: string }> {
  const dir = await tempDir('harness-shard-');
  await writeFile(path.join(dir, 'r.xml'), xml);
  const { exitCode, stderr } = await execa('xmllint', ['--noout', '--schema', SCHEMA, path.join(dir, 'r.xml')], { reject: false });
  return { exitCode: exitCode ?? -1, stderr };
}

test('shards merged equal the whole: same testcases, outcomes and messages; valid JUnit', async () => {
  const whole = renderJUnit(RESULTS, summaryOf(4), OPTIONS);
  const shard1 = renderJUnit([RESULTS[0], RESULTS[3]], summaryOf(2), OPTIONS);
  const shard2 = renderJUnit([RESULTS[1], RESULTS[2]], summaryOf(2), OPTIONS);
  const merged = mergeJUnit([
    { file: 'shard1.xml', suites: parseJUnit(shard1, 'shard1.xml') },
    { file: 'shard2.xml', suites: parseJUnit(shard2, 'shard2.xml') },
  ]);
  assert.equal(testcases(parseJUnit(merged.xml, 'merged')), testcases(parseJUnit(whole, 'whole')));
  assert.is(merged.tests, 8);
  assert.equal(merged.duplicates, []);
  const root = /<testsuites ([^>]*)>/.exec(merged.xml)![1];
  assert.ok(root.includes('tests="8" failures="1" errors="1"'), root);
  assert.equal([...merged.xml.matchAll(/<testsuite [^>]*\bid="(\d+)"/g)].map((m) => m[1]), ['0', '1', '2', '3']);
  const lint = await xmllint(merged.xml);
  assert.is(lint.exitCode, 0, lint.stderr);
});

test('the Markdown summary of merged shards is the whole run\'s (but for the total time)', () => {
  const whole = renderMarkdown(RESULTS, { passed: 4, failed: 1, errors: 1, skipped: 2, durationMs: 4000 });
  const suites = [renderJUnit([RESULTS[0], RESULTS[3]], summaryOf(2), OPTIONS), renderJUnit([RESULTS[1], RESULTS[2]], summaryOf(2), OPTIONS)].flatMap((xml) => parseJUnit(xml, 'x'));
  const order = ['a', 'b', 'c', 'd'];
  suites.sort((x, y) => order.indexOf(String(x.attributes?.name)) - order.indexOf(String(y.attributes?.name)));
  const { results, summary } = resultsFromSuites(suites);
  assert.equal(summary, { passed: 4, failed: 1, errors: 1, skipped: 2, flaky: 0, durationMs: 4000 });
  assert.is(results[0].steps[1].location, 'x:1:1', 'the place comes back from the "at" line');
  assert.is(renderMarkdown(results, summary), whole);
});

test('merging keeps text and attributes exactly: newlines, tabs, markup characters', () => {
  const xml = renderJUnit([RESULTS[1]], summaryOf(1), OPTIONS);
  const merged = mergeJUnit([{ file: 'one.xml', suites: parseJUnit(xml, 'one.xml') }]);
  assert.is(merged.xml.slice(merged.xml.indexOf('<testsuite ')), xml.slice(xml.indexOf('<testsuite ')));
});

test('merging elsewhere re-bases relative attachment paths from each input\'s folder; absolute ones stay', () => {
  const xml = `<testsuites name="harness"><testsuite name="s" tests="1" failures="1" errors="0" time="1"><testcase name="t" classname="a.run" time="1"><failure message="m">x</failure><system-out>out [[ATTACHMENT|not a line]]
[[ATTACHMENT|artifacts/s/serial.log]]
[[ATTACHMENT|/abs/journal.txt]]
</system-out></testcase></testsuite></testsuites>`;
  const merged = mergeJUnit([{ file: 'shards/1/junit.xml', suites: parseJUnit(xml, 'x') }], 'reports');
  assert.match(merged.xml, 'out [[ATTACHMENT|not a line]]\n[[ATTACHMENT|../shards/1/artifacts/s/serial.log]]\n[[ATTACHMENT|/abs/journal.txt]]\n');
  const inPlace = mergeJUnit([{ file: 'reports/junit.xml', suites: parseJUnit(xml, 'x') }], 'reports');
  assert.match(inPlace.xml, '\n[[ATTACHMENT|artifacts/s/serial.log]]\n');
});

test('a suite in two inputs is kept and reported as a duplicate', () => {
  const xml = renderJUnit([RESULTS[0]], summaryOf(1), OPTIONS);
  const merged = mergeJUnit([
    { file: 'x.xml', suites: parseJUnit(xml, 'x.xml') },
    { file: 'y.xml', suites: parseJUnit(xml, 'y.xml') },
  ]);
  assert.equal(merged.duplicates, ['testsuite "a" is in both x.xml and y.xml']);
});

test('a lone <testsuite> root is accepted; anything else that is not JUnit is named', () => {
  assert.is(parseJUnit('<testsuite name="x" tests="0"/>', 'f.xml').length, 1);
  assert.throws(() => parseJUnit('{"json": true}', 'f.json'), /^f.json:1:1: not a JUnit report: not well-formed XML/);
  assert.throws(() => parseJUnit('<testsuites><testsuite></testsuites>', 'f.xml'), /^f.xml:1:\d+: not a JUnit report: not well-formed XML/);
  assert.throws(() => parseJUnit('<html><body/></html>', 'f.xml'), /root element is <html>, expected <testsuites> or <testsuite>/);
  assert.throws(() => parseJUnit('<testsuites><foo/></testsuites>', 'f.xml'), /<testsuites> holds <foo>; only <testsuite> belongs there/);
  assert.throws(() => parseJUnit('', 'empty.xml'), /empty.xml.*not a JUnit report/);
});

test('harness merge (the real CLI): writes the merged report; refuses bad inputs and writes nothing', async () => {
  const dir = await tempDir('harness-shard-');
  const a = path.join(dir, 'a.xml');
  const b = path.join(dir, 'b.xml');
  const out = path.join(dir, 'all.xml');
  await writeFile(a, renderJUnit([RESULTS[0]], summaryOf(1), OPTIONS));
  await writeFile(b, renderJUnit([RESULTS[2]], summaryOf(1), OPTIONS));
  const ok = await execa('node', [BIN, 'merge', a, b, '-o', out], { reject: false });
  assert.is(ok.exitCode, 0, ok.stderr);
  assert.match(ok.stderr, /merged 2 report\(s\): 2 testsuite\(s\), 3 testcase\(s\)/);
  assert.is((await xmllint(await readFile(out, 'utf8'))).exitCode, 0);

  const bad = path.join(dir, 'bad.xml');
  await writeFile(bad, 'not xml');
  const refused = await execa('node', [BIN, 'merge', a, bad, path.join(dir, 'nope.xml'), '-o', path.join(dir, 'x.xml')], { reject: false });
  assert.is(refused.exitCode, 2);
  assert.match(refused.stderr, /bad.xml:1:1: not a JUnit report/);
  assert.match(refused.stderr, /nope.xml: no such file/);
  assert.match(refused.stderr, /2 input\(s\) refused; nothing was written/);
  await rejects(readFile(path.join(dir, 'x.xml')));
  const md = path.join(dir, 'summary.md');
  const withSummary = await execa('node', [BIN, 'merge', a, b, '-o', out, '--markdown', md], { reject: false });
  assert.is(withSummary.exitCode, 0, withSummary.stderr);
  assert.match(await readFile(md, 'utf8'), /^## confinement-harness: ❌ failed\n\n2 passed, 1 failed, 0 errors, 0 skipped/);
  const noOutput = await execa('node', [BIN, 'merge', a], { reject: false });
  assert.is(noOutput.exitCode, 2);
  assert.match(noOutput.stderr, /merge needs -o FILE/);
});

test('the CLI: --shard and --shard-durations errors are usage errors naming the problem', async () => {
  const bad = await execa('node', [BIN, 'list', 'scenarios', '--shard', '3/2'], { reject: false, cwd: REPO_ROOT });
  assert.is(bad.exitCode, 2);
  assert.match(bad.stderr, /--shard must be I\/N with 1 <= I <= N \(e.g. 1\/4\), got "3\/2"/);
  const missing = await execa('node', [BIN, 'list', 'scenarios', '--shard', '1/2', '--shard-durations', '/nonexistent.xml'], { reject: false, cwd: REPO_ROOT });
  assert.is(missing.exitCode, 2);
  assert.match(missing.stderr, /--shard-durations: \/nonexistent.xml: no such file/);
  const alone = await execa('node', [BIN, 'list', 'scenarios', '--shard-durations', 'x.xml'], { reject: false, cwd: REPO_ROOT });
  assert.match(alone.stderr, /--shard-durations needs --shard I\/N/);
});

test('the CLI: list --shard 1/2 and 2/2 of the shipped suite together list every scenario once', async () => {
  const list = async (...extra: string[]) => JSON.parse((await execa('node', [BIN, 'list', 'scenarios', '--json', ...extra], { cwd: REPO_ROOT })).stdout).map((s: { name: string }) => s.name);
  const all: string[] = await list();
  const halves = [...(await list('--shard', '1/2')), ...(await list('--shard', '2/2'))];
  assert.equal(halves.sort(), all.sort());
});

test.run();
