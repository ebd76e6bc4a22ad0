// The reporters behind --reporter, each rendered into a fake stream from the same events.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConsoleReporter } from '../../harness/report/console.js';
import { DotReporter } from '../../harness/report/dot.js';
import type { Reporter, RunSummary, ScenarioInfo, ScenarioResult, StepResult } from '../../harness/report/events.js';
import { escapeData, escapeProperty, GitHubReporter, stepAnnotation } from '../../harness/report/github.js';
import { JUnitReporter } from '../../harness/report/junit.js';
import { LiveListReporter } from '../../harness/report/live.js';
import { codeBlock, MarkdownReporter, renderMarkdown } from '../../harness/report/markdown.js';
import { Multiplexer } from '../../harness/report/multiplexer.js';
import { checkCompatible, createReporter, isPlainLog, parseReporterNames, runLogFor } from '../../harness/commands/reporters.js';
import { tempDir } from '../support/harness.js';

/** Keeps what it is given; `isTTY` and `columns` as a terminal or a CI log would have them. */
class FakeStream {
  chunks: string[] = [];
  constructor(
    readonly isTTY = false,
    readonly columns = 100,
    readonly rows = 40,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  on(): this {
    return this;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

const CWD = '/work/repo';
const INFO: ScenarioInfo = { name: 'smoke', file: '/work/repo/scenarios/smoke.yaml', image: 'debian-bookworm', stepCount: 4 };

function step(name: string, fields: Partial<StepResult> = {}): StepResult {
  return { name, kind: 'run', outcome: 'passed', durationMs: 1200, location: '/work/repo/scenarios/smoke.yaml:10:5', ...fields };
}

const STEPS: StepResult[] = [
  step('service starts', { kind: 'start', location: '/work/repo/scenarios/smoke.yaml:8:5' }),
  step('id is nobody', { outcome: 'failed', location: '/work/repo/scenarios/smoke.yaml:12:5', message: 'stdout: expected "nobody"\n  got "root"' }),
  step('journal', { outcome: 'error', location: '/work/repo/scenarios/smoke.yaml:17:5', message: 'SSH connection dropped' }),
  step('later', { outcome: 'skipped', location: '/work/repo/scenarios/smoke.yaml:20:5', message: 'skipped after an error' }),
];
const RESULT: ScenarioResult = { info: INFO, steps: STEPS, durationMs: 12_300, startedAt: new Date('2026-01-02T03:04:05Z'), properties: {} };
const SUMMARY: RunSummary = { passed: 1, failed: 1, errors: 1, skipped: 1, durationMs: 12_300 };

async function play(reporter: Reporter, results = [RESULT], summary = SUMMARY): Promise<void> {
  reporter.onRunBegin?.(results.map((r) => r.info));
  for (const r of results) {
    reporter.onScenarioBegin?.(r.info);
    for (const s of r.steps) reporter.onStepEnd?.(r.info, s);
    reporter.onScenarioEnd?.(r);
  }
  await reporter.onRunEnd?.(results, summary);
}

// ---- choosing ----

test('reporter names: default list+junit, repeatable and comma-separated, duplicates folded', () => {
  assert.equal(parseReporterNames(undefined), ['list', 'junit']);
  assert.equal(parseReporterNames(['dot,junit', 'github', 'junit']), ['dot', 'junit', 'github']);
  assert.equal(parseReporterNames([' markdown ']), ['markdown']);
});

test('an unknown reporter name is an error naming it and the known ones', () => {
  assert.throws(() => parseReporterNames(['list,lst']), /unknown reporter "lst" \(did you mean list\?\); known: list, dot, junit, github, markdown/);
  assert.throws(() => parseReporterNames(['xml']), /unknown reporter "xml"; known: list, dot, junit, github, markdown/);
  assert.throws(() => parseReporterNames(['']), /unknown reporter ""/);
  assert.throws(() => checkCompatible(['list', 'dot']), /list and dot/);
});

test('a plain log when not a TTY, or CI is set, or the terminal is dumb', () => {
  assert.ok(isPlainLog(new FakeStream(false), {}));
  assert.ok(isPlainLog(new FakeStream(true), { CI: 'true' }));
  assert.ok(isPlainLog(new FakeStream(true), { TERM: 'dumb' }));
  assert.not.ok(isPlainLog(new FakeStream(true), {}));
  assert.not.ok(isPlainLog(new FakeStream(true), { CI: 'false' }));
});

test('createReporter builds one reporter per name; list is the live view only on a terminal', async () => {
  const tty = new FakeStream(true);
  const live = createReporter(['list'], { junitFile: '/nonexistent/x.xml', env: {}, stdout: tty }) as Multiplexer;
  const plain = createReporter(['list'], { junitFile: '/nonexistent/x.xml', env: { CI: 'true' }, stdout: tty }) as Multiplexer;
  assert.instance((live as unknown as { reporters: Reporter[] }).reporters[0], LiveListReporter);
  assert.instance((plain as unknown as { reporters: Reporter[] }).reporters[0], ConsoleReporter);
  const all = createReporter(['dot', 'junit', 'github', 'markdown'], { junitFile: '/x.xml', env: {}, stdout: new FakeStream() });
  const kinds = (all as unknown as { reporters: Reporter[] }).reporters.map((r) => r.constructor);
  assert.equal(kinds, [DotReporter, JUnitReporter, GitHubReporter, MarkdownReporter]);
});

// ---- dot ----

test('dot: one character per step, then each problem with its place, then the counts', async () => {
  const stream = new FakeStream();
  await play(new DotReporter({ stream }));
  const lines = stream.text.split('\n');
  assert.is(lines[0], '.FE-');
  assert.ok(stream.text.includes('failed: smoke › id is nobody\n  at /work/repo/scenarios/smoke.yaml:12:5\n    stdout: expected "nobody"\n      got "root"\n'), stream.text);
  assert.ok(stream.text.includes('error: smoke › journal\n'));
  assert.ok(stream.text.endsWith('1 passed, 1 failed, 1 errors, 1 skipped in 12.3s\n'), stream.text);
});

test('dot: wraps at the given width', async () => {
  const stream = new FakeStream();
  const many = { ...RESULT, steps: Array.from({ length: 7 }, (_, i) => step(`s${i}`)) };
  await play(new DotReporter({ stream, width: 3 }), [many], { ...SUMMARY, passed: 7, failed: 0, errors: 0, skipped: 0 });
  assert.ok(stream.text.startsWith('...\n...\n.\n'), JSON.stringify(stream.text));
});

// ---- github ----

test('github: escaping as the Actions runner expects', () => {
  assert.is(escapeData('50% done\r\nnext'), '50%25 done%0D%0Anext');
  assert.is(escapeProperty('a:b,c%\n'), 'a%3Ab%2Cc%25%0A');
  assert.is(escapeProperty('\u001b[31mred\u001b[0m'), 'red');
});

test('github: a failed step is an error annotation at its file (relative to the cwd) and line', () => {
  const line = stepAnnotation(INFO, STEPS[1], CWD);
  assert.is(line, '::error file=scenarios/smoke.yaml,line=12,col=5,title=smoke › id is nobody::stdout: expected "nobody"%0A  got "root"');
});

test('github: an infrastructure error says so; passed and skipped steps are quiet', () => {
  assert.match(stepAnnotation(INFO, STEPS[2], CWD)!, /^::error file=scenarios\/smoke.yaml,line=17,col=5,title=smoke › journal \(infrastructure error\)::SSH connection dropped$/);
  assert.is(stepAnnotation(INFO, STEPS[0], CWD), undefined);
  assert.is(stepAnnotation(INFO, STEPS[3], CWD), undefined);
});

test('github: a step that passed only on a rerun is a warning', () => {
  const flaky = step('boots', { earlierAttempts: [{ outcome: 'error', durationMs: 1, message: 'QEMU died' }] });
  assert.match(stepAnnotation(INFO, flaky, CWD)!, /^::warning file=scenarios\/smoke.yaml,line=10,col=5,title=smoke › boots::passed after 1 earlier attempt\(s\) went wrong: QEMU died$/);
});

test('github: a title with a colon or comma cannot break the property list', () => {
  const line = stepAnnotation({ ...INFO, name: 'pam: a, b' }, STEPS[1], CWD)!;
  assert.ok(line.includes(',title=pam%3A a%2C b › id is nobody::'), line);
  // exactly the four properties survive parsing the way the runner splits them
  const props = line.slice('::error '.length, line.indexOf('::', 2)).split(',');
  assert.is(props.length, 4);
});

test('github: the reporter writes one line per problem and names an interruption', async () => {
  const stream = new FakeStream();
  await play(new GitHubReporter({ stream, cwd: CWD }), [RESULT], { ...SUMMARY, interrupted: 'interrupted by SIGINT' });
  const lines = stream.text.trimEnd().split('\n');
  assert.is(lines.length, 3);
  assert.ok(lines[0].startsWith('::error file=scenarios/smoke.yaml,line=12,'));
  assert.is(lines[2], '::error title=harness run interrupted::interrupted by SIGINT');
});

// ---- markdown ----

test('markdown: verdict, counts, a row per scenario, failures folded with their place', () => {
  const md = renderMarkdown([RESULT], SUMMARY);
  assert.ok(md.startsWith('## confinement-harness: ❌ failed\n\n1 passed, 1 failed, 1 errors, 1 skipped in 12.3s\n'), md);
  assert.ok(md.includes('| smoke | debian-bookworm | ❌ failed | 1 | 1 | 1 | 1 | 12.3s |'), md);
  assert.ok(md.includes('<summary>❌ smoke › id is nobody (<code>/work/repo/scenarios/smoke.yaml:12:5</code>)</summary>'), md);
  assert.ok(md.includes('```text\nstdout: expected "nobody"\n  got "root"\n```'), md);
  assert.ok(md.includes('<summary>⚠️ error: smoke › journal'), md);
});

test('markdown: a green run says passed and lists no failures', () => {
  const green = { ...RESULT, steps: [STEPS[0]] };
  const md = renderMarkdown([green], { passed: 1, failed: 0, errors: 0, skipped: 0, durationMs: 1000 });
  assert.ok(md.startsWith('## confinement-harness: ✅ passed'));
  assert.not.ok(md.includes('Failures'));
});

test('markdown: guest text cannot break the table or close the code block', () => {
  const evil = { ...RESULT, info: { ...INFO, name: 'a | b <script>' }, steps: [step('x', { outcome: 'failed', message: 'out: ```\n</details>' })] };
  const md = renderMarkdown([evil], SUMMARY);
  assert.ok(md.includes('| a \\| b &lt;script&gt; |'), md);
  assert.ok(md.includes('````text\nout: ```\n</details>\n````'), md);
  assert.is(codeBlock('plain'), '```text\nplain\n```');
});

test('markdown: appended to $GITHUB_STEP_SUMMARY, written over a file given by --markdown', async () => {
  const dir = await tempDir('harness-md-');
  const summaryFile = path.join(dir, 'step-summary.md');
  await writeFile(summaryFile, 'earlier step\n');
  await play(createReporter(['markdown'], { junitFile: path.join(dir, 'j.xml'), env: { GITHUB_STEP_SUMMARY: summaryFile }, stdout: new FakeStream() }));
  const appended = await readFile(summaryFile, 'utf8');
  assert.ok(appended.startsWith('earlier step\n## confinement-harness'), appended);

  const own = path.join(dir, 'sub', 'summary.md');
  await writeFile(path.join(dir, 'placeholder'), '');
  await play(createReporter(['markdown'], { junitFile: path.join(dir, 'j.xml'), markdownFile: own, env: { GITHUB_STEP_SUMMARY: summaryFile }, stdout: new FakeStream() }));
  await play(createReporter(['markdown'], { junitFile: path.join(dir, 'j.xml'), markdownFile: own, env: {}, stdout: new FakeStream() }));
  const written = await readFile(own, 'utf8');
  assert.is(written.match(/## confinement-harness/g)?.length, 1);
  assert.is(await readFile(summaryFile, 'utf8'), appended, '--markdown wins over the env var');
});

test('markdown: an unwritable file is an error naming it', async () => {
  // A regular file where a folder should be (not /proc: Node's recursive mkdir spins there).
  const dir = await tempDir('harness-md-');
  await writeFile(path.join(dir, 'file'), '');
  const target = path.join(dir, 'file', 'summary.md');
  const reporter = new MarkdownReporter({ outputFile: target });
  try {
    await reporter.onRunEnd([RESULT], SUMMARY);
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.ok((err as Error).message.startsWith(`could not write the Markdown summary ${target}: `), (err as Error).message);
  }
});

// ---- list, live on a terminal ----

test('live list: shows what runs in which slot, then prints each finished scenario as one block', async () => {
  const stream = new FakeStream(true, 120);
  let clock = 0;
  const live = new LiveListReporter({ stream, color: false, now: () => clock, refreshMs: 60_000 });
  const other: ScenarioInfo = { ...INFO, name: 'pam', file: '/work/repo/scenarios/pam.yaml', stepCount: 2 };
  live.onRunBegin([INFO, other]);
  live.onScenarioBegin(INFO);
  live.onScenarioBegin(other);
  clock = 5000;
  live.onStepEnd(INFO, STEPS[0]);
  assert.equal(live.statusLines(), [
    'running 2, 0 of 2 done',
    '  [1] smoke (debian-bookworm)  step 1/4 done: service starts  5.0s',
    '  [2] pam (debian-bookworm)  booting  5.0s',
  ]);
  assert.ok(stream.text.includes('[2] pam (debian-bookworm)  booting'), 'the status is drawn on the terminal');
  for (const s of STEPS.slice(1)) live.onStepEnd(INFO, s);
  live.onScenarioEnd(RESULT);
  assert.equal(live.statusLines(), ['running 1, 1 of 2 done', '  [2] pam (debian-bookworm)  booting  5.0s']);
  // a new scenario takes the free slot
  const third: ScenarioInfo = { ...INFO, name: 'third' };
  live.onScenarioBegin(third);
  assert.ok(live.statusLines()[1].startsWith('  [1] third'), live.statusLines().join('\n'));
  const block = stream.text.slice(stream.text.indexOf('▶ smoke'));
  assert.ok(/▶ smoke \(debian-bookworm\) — \/work\/repo\/scenarios\/smoke.yaml\n  ✔ service starts {2}\(1.2s\)\n  ✘ id is nobody/.test(block), JSON.stringify(block));
  live.onRunEnd([RESULT], SUMMARY);
  assert.ok(stream.text.endsWith('1 passed, 1 failed, 1 errors, 1 skipped in 12.3s\n'), JSON.stringify(stream.text.slice(-200)));
});

test('live list: the run\'s own lines go above the live view, which is drawn again below them', () => {
  const stream = new FakeStream(true, 120);
  const reporter = createReporter(['list', 'junit'], { junitFile: '/x.xml', env: {}, stdout: stream });
  const log = runLogFor(reporter)!;
  assert.type(log, 'function');
  reporter.onRunBegin?.([INFO]);
  reporter.onScenarioBegin?.(INFO);
  const before = stream.text.length;
  log('retrying "smoke" after an infrastructure error');
  const after = stream.text.slice(before);
  assert.match(after, /^\u001b\[2K.*retrying "smoke" after an infrastructure error\n[^]*\[1\] smoke \(debian-bookworm\)  booting/s);
  assert.is(runLogFor(createReporter(['list'], { junitFile: '/x.xml', env: { CI: 'true' }, stdout: stream })), undefined, 'a plain log keeps stderr');
});

test('list in a plain log: nothing redrawn, no escape sequences at all', async () => {
  const stream = new FakeStream(false);
  await play(createReporter(['list'], { junitFile: '/x.xml', env: { CI: 'true' }, stdout: stream }));
  assert.not.match(stream.text, /\u001b/);
  assert.ok(stream.text.split('\n').length > 5);
});

test.run();
