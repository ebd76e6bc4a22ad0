// `harness compare` on reports recorded from the real bookworm guest (test/fixtures/compare/
// bookworm.xml) and a copy edited to stand for systemd 257 on trixie (trixie.xml; the edits
// are listed in test/fixtures/compare/README.md).
import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareCommand } from '../../harness/compare/command.js';
import { diffObservations } from '../../harness/compare/diff.js';
import { buildComparison, isNotable, suitesFromResults, type ComparedSuite, type ComparedStep } from '../../harness/compare/model.js';
import { readReport, readReportFile } from '../../harness/compare/read-junit.js';
import { renderCompareHtml } from '../../harness/compare/render-html.js';
import { md, renderCompareMarkdown } from '../../harness/compare/render-markdown.js';
import { renderCompareText } from '../../harness/compare/render-text.js';
import { CompareSummaryReporter } from '../../harness/compare/reporter.js';
import type { ScenarioResult } from '../../harness/report/events.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/compare');
const OLD = path.join(FIXTURES, 'bookworm.xml');
const NEW = path.join(FIXTURES, 'trixie.xml');

const GUEST = 'compare fixture, guest and a service';
const CONFINED = 'compare fixture, a confined service';
const CHANGED_OUTCOME = 'pam_unix required lets root through';
const CHANGED_OBSERVATION = 'the chroot holds the closure and a sticky /tmp';
const UNCHANGED = 'the kernel is Linux';

async function fixtures(): Promise<ComparedSuite[]> {
  return [...(await readReportFile(OLD)), ...(await readReportFile(NEW))];
}

function sink() {
  let text = '';
  return { write: (chunk: string) => (text += chunk), get text() { return text; } };
}

test('the recorded report reads back with its image, systemd version and observations', async () => {
  const suites = await readReportFile(OLD);
  assert.equal(suites.map((s) => s.scenario).sort(), [CONFINED, GUEST]);
  for (const suite of suites) {
    assert.is(suite.image, 'debian-bookworm');
    assert.is(suite.properties['systemd.version'], '252');
    assert.ok(suite.steps.every((s) => s.outcome === 'passed'), 'the recording is green');
    assert.ok(suite.steps.every((s) => s.observed !== undefined), 'every step that ran observed something');
  }
  const chroot = suites.find((s) => s.scenario === CONFINED)!.steps.find((s) => s.kind === 'chroot')!;
  assert.ok((chroot.observed!.entries as string[]).includes('usr'));
  assert.is((chroot.observed!.access as Record<string, string>)['/tmp'], 'sticky');
});

test('a matrix-style suite name "X [image]" pairs with plain "X"', async () => {
  const trixie = await readReportFile(NEW);
  assert.ok(trixie.some((s) => s.scenario === GUEST && s.image === 'debian-trixie'));
});

test('the changed outcome is named, the changed observation is named, the unchanged step is not', async () => {
  const comparison = buildComparison(await fixtures());
  assert.equal(comparison.columns.map((c) => c.label), ['debian-bookworm (systemd 252)', 'debian-trixie (systemd 257)']);
  assert.equal(comparison.outcomeChanges.map((r) => r.name), [CHANGED_OUTCOME]);
  assert.equal(comparison.environment, [
    { name: 'distro', values: ['debian bookworm', 'debian trixie'] },
    { name: 'systemd.full', values: ['systemd 252 (252.39-1~deb12u2)', 'systemd 257 (257.13-1)'] },
  ], 'what ran differently, and nothing that did not differ (kernel, QEMU)');
  const pam = comparison.outcomeChanges[0];
  assert.equal(pam.cells.map((c) => c?.outcome), ['passed', 'failed']);
  assert.equal(pam.observationChanges[0].changes[0], { key: 'result', kind: 'value', before: 'success', after: 'failure' });

  const observed = comparison.observationChanges.map((r) => r.name);
  assert.ok(observed.includes(CHANGED_OBSERVATION), observed.join(', '));
  const chroot = comparison.observationChanges.find((r) => r.name === CHANGED_OBSERVATION)!;
  const entries = chroot.observationChanges[0].changes.find((c) => c.key === 'entries');
  assert.equal(entries, { key: 'entries', kind: 'list', added: [], removed: ['dev', 'etc', 'proc', 'root', 'sys'] });
  assert.ok(chroot.observationChanges[0].changes.some((c) => c.key === 'access /etc' && c.kind === 'value' && c.after === '(none)'));

  const listed = [...comparison.outcomeChanges, ...comparison.observationChanges].map((r) => r.name);
  assert.not.ok(listed.includes(UNCHANGED));
  assert.is(comparison.comparedSteps, 12);
  assert.is(comparison.unchangedSteps, comparison.comparedSteps - comparison.outcomeChanges.length - comparison.observationChanges.length);
});

test('timings list only the notable ratio', async () => {
  const comparison = buildComparison(await fixtures());
  assert.equal(
    comparison.timingChanges.map((t) => [t.scenario, t.what]),
    [[CONFINED, 'scenario']],
  );
});

test('text: outcomes, then observations, then timings; unchanged steps are not listed', async () => {
  const text = renderCompareText(buildComparison(await fixtures()));
  const at = (needle: string) => {
    const i = text.indexOf(needle);
    assert.ok(i >= 0, `no "${needle}" in\n${text}`);
    return i;
  };
  assert.ok(at('Outcome changed (1)') < at(CHANGED_OUTCOME));
  assert.ok(at(CHANGED_OUTCOME) < at('Observed changed, same outcome'));
  assert.ok(at('Observed changed, same outcome') < at(CHANGED_OBSERVATION));
  assert.ok(at(CHANGED_OBSERVATION) < at('Timings'));
  assert.match(text, 'entries: −dev −etc −proc −root −sys');
  assert.match(text, 'result: success → failure');
  assert.not.match(text, UNCHANGED);
  assert.not.match(text, /\u001b/);
});

test('markdown: a table of changed outcomes; guest text cannot break it or open markup', async () => {
  const suites = await fixtures();
  const pam = suites.find((s) => s.image === 'debian-trixie' && s.scenario === GUEST)!.steps.find((s) => s.name === CHANGED_OUTCOME)!;
  pam.message = 'a | b <script>alert(1)</script>\nsecond';
  const markdown = renderCompareMarkdown(buildComparison(suites));
  assert.match(markdown, `| ${md(GUEST)} | ${md(CHANGED_OUTCOME)} | ✅ passed | **❌ failed** |`);
  assert.match(markdown, 'pam\\_unix', 'an underscore does not open emphasis');
  assert.match(markdown, 'a \\| b &lt;script&gt;alert(1)&lt;/script&gt; ⏎ second');
  assert.not.match(markdown, '<script>');
  assert.not.match(markdown, UNCHANGED);
});

test('html: one self-contained page, the changed cells marked', async () => {
  const page = renderCompareHtml(buildComparison(await fixtures()));
  assert.match(page, "default-src 'none'");
  assert.not.match(page, /(src|href)="(https?:)?\/\//, 'nothing from the network');
  assert.not.match(page, /<link\b/);
  assert.is((page.match(/<td class="cell /g) ?? []).length, 24, '12 steps × 2 images');
  assert.match(page, /<td class="cell o-failed changed" id="cell-\d+-1" data-outcome="failed">/);
  assert.is((page.match(/<td class="cell [^"]*changed"/g) ?? []).length, 2, 'the pam and chroot cells of trixie');
});

test('one matrix run in memory compares like the reports', async () => {
  const fromFiles = buildComparison(await fixtures());
  const results: ScenarioResult[] = (await fixtures()).map((suite) => ({
    info: { name: `${suite.scenario} [${suite.image}]`, file: 'x.yaml', image: suite.image, stepCount: suite.steps.length },
    steps: suite.steps.map((s) => ({ ...s, location: 'x.yaml:1:1' })),
    durationMs: suite.durationMs,
    startedAt: new Date(),
    properties: suite.properties,
  }));
  const fromMemory = buildComparison(suitesFromResults(results));
  assert.equal(fromMemory.outcomeChanges.map((r) => r.name), fromFiles.outcomeChanges.map((r) => r.name));
  assert.equal(fromMemory.observationChanges.map((r) => r.name), fromFiles.observationChanges.map((r) => r.name));

  const out = sink();
  new CompareSummaryReporter(out).onRunEnd(results, { passed: 0, failed: 0, errors: 0, skipped: 0, durationMs: 0 });
  assert.match(out.text, 'Outcome changed (1)');
  const single = sink();
  new CompareSummaryReporter(single).onRunEnd(results.filter((r) => r.info.image === 'debian-bookworm'), { passed: 0, failed: 0, errors: 0, skipped: 0, durationMs: 0 });
  assert.is(single.text, '', 'a run on one image prints no comparison');
});

test('bad input: exit 2 and a message naming the file and what is wrong', async () => {
  const dir = await tempDir();
  const cases: Array<[string, string, RegExp]> = [
    ['missing.xml', '', /missing\.xml: no such file/],
    ['broken.xml', '<testsuites name="harness"><testsuite>', /broken\.xml:1:\d+: not a JUnit report: not well-formed XML/],
    ['other.xml', '<?xml version="1.0"?><testsuite name="pytest" tests="1"/>', /other\.xml: not a harness report: the root is <testsuite>/],
    ['noimage.xml', '<testsuites name="harness"><testsuite name="x" tests="0" failures="0" errors="0"/></testsuites>', /noimage\.xml: testsuite 1 \("x"\) has no "image" property/],
  ];
  for (const [name, content, message] of cases) {
    const file = path.join(dir, name);
    if (content) await writeFile(file, content);
    const err = sink();
    assert.is(await compareCommand([OLD, file], { stdout: sink(), stderr: err }), 2, name);
    assert.match(err.text, message);
  }
  const err = sink();
  assert.is(await compareCommand([OLD], { stdout: sink(), stderr: err }), 2);
  assert.match(err.text, /runs on one image only \(debian-bookworm\)/);
  assert.is(await compareCommand([OLD, NEW], { format: 'pdf', stdout: sink(), stderr: sink() }), 2);
});

test('a damaged observation block is named with its testcase', async () => {
  const xml = (await readFile(OLD, 'utf8')).replace('----- end of harness observed -----', '');
  assert.throws(() => readReport(xml, 'damaged.xml'), /damaged\.xml: testcase ".*" of ".*": the observed block has no closing line/);
});

test('the CLI: compare exits 0 with differences and writes the HTML page', async () => {
  const dir = await tempDir();
  const page = path.join(dir, 'out', 'compare.html');
  const bin = path.join(REPO_ROOT, 'bin/harness.js');
  const run = await execa('node', [bin, 'compare', OLD, NEW, '--format', 'html', '-o', page], { reject: false });
  assert.is(run.exitCode, 0, run.stderr);
  assert.match(await readFile(page, 'utf8'), '<table class="grid">');
  const text = await execa('node', [bin, 'compare', OLD, NEW], { reject: false });
  assert.is(text.exitCode, 0);
  assert.match(text.stdout, CHANGED_OUTCOME);
  const bad = await execa('node', [bin, 'compare', OLD, path.join(dir, 'nope.xml')], { reject: false });
  assert.is(bad.exitCode, 2);
  assert.match(bad.stderr, 'nope.xml: no such file');
});

test('diff: lists by membership, maps key by key, scalars before → after', () => {
  assert.equal(
    diffObservations(
      { entries: ['bin', 'etc'], access: { '/run': 'readable', '/etc': 'readable' }, exit: 0, same: 'x' },
      { entries: ['bin', 'lib64'], access: { '/run': 'writable', '/lib64': 'readable' }, exit: 1, same: 'x', added: true },
    ),
    [
      { key: 'entries', kind: 'list', added: ['lib64'], removed: ['etc'] },
      { key: 'access /run', kind: 'value', before: 'readable', after: 'writable' },
      { key: 'access /etc', kind: 'value', before: 'readable', after: '(none)' },
      { key: 'access /lib64', kind: 'value', before: '(none)', after: 'readable' },
      { key: 'exit', kind: 'value', before: '0', after: '1' },
      { key: 'added', kind: 'value', before: '(none)', after: 'true' },
    ],
  );
  assert.equal(diffObservations({ entries: ['a', 'b'] }, { entries: ['b', 'a'] }), [], 'order in a list is not a change');
});

test('three images: each change is shown against the image before it; a missing step is a changed outcome', () => {
  const step = (name: string, observed: ComparedStep['observed'], outcome: ComparedStep['outcome'] = 'passed'): ComparedStep => ({ name, kind: 'file', outcome, durationMs: 1, observed });
  const suite = (image: string, version: string, steps: ComparedStep[], scenario = 'smt'): ComparedSuite => ({
    scenario,
    image,
    properties: { image, 'systemd.version': version },
    durationMs: 1000,
    steps,
  });
  const comparison = buildComparison([
    suite('a', '252', [step('smt', { content: 'off' }), step('gone later', { x: '1' })]),
    suite('b', '254', [step('smt', { content: 'off' }), step('gone later', { x: '1' })]),
    suite('c', '257', [step('smt', { content: 'forceoff' })]),
    suite('a', '252', [step('only here', { y: '1' })], 'only on a'),
  ]);
  const smt = comparison.observationChanges.find((r) => r.name === 'smt')!;
  assert.equal(smt.observationChanges.map((p) => [p.from, p.to]), [[1, 2]], 'b → c only: a → b changed nothing');
  assert.equal(smt.cells.map((c) => c?.changed), [false, false, true]);
  assert.equal(comparison.outcomeChanges.map((r) => [r.name, r.cells.map((c) => c?.outcome)]), [['gone later', ['passed', 'passed', 'absent']]]);
  const onlyOnA = comparison.scenarios.find((s) => s.name === 'only on a')!;
  assert.equal(onlyOnA.ranOn, [true, false, false]);
  assert.is(comparison.comparedSteps, 2, 'a step seen on one image only is not compared');
  assert.match(renderCompareText(comparison), 'not everywhere: only on a: only on a (systemd 252)');
});

test('timing: a ratio of ×1.5 and 2 s or more, either way', () => {
  assert.ok(isNotable(10_000, 15_000));
  assert.ok(isNotable(15_000, 10_000));
  assert.not.ok(isNotable(10_000, 14_000), 'ratio too small');
  assert.not.ok(isNotable(1_000, 2_900), 'ratio big, delta under 2 s');
  assert.not.ok(isNotable(0, 5_000), 'no time recorded');
});

test.run();
