// Carrying a value across steps: `save: NAME` on a `run` step, `${{ NAME }}` in later
// steps. The loader checks every use against the names earlier steps save (located to the
// `${{`); the run keeps each value, or why there is none, and fills it into the steps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ScenarioErrors } from '../../harness/scenario/errors.js';
import { fillSaved, findSavedRefs } from '../../harness/scenario/saved.js';
import { loadScenarioText } from '../../harness/load/load.js';
import type { Scenario } from '../../harness/load/scenario.js';
import type { RunStep } from '../../harness/checks/run.js';
import type { FileStep } from '../../harness/checks/file.js';
import { SavedValues, UnsavedValue } from '../../harness/runner/saved-values.js';
import { parseRange } from '../../harness/versions/range.js';

const FILE = 'scenarios/x.yaml';

function load(text: string): Scenario {
  return loadScenarioText(text, FILE);
}

/** Every error of `text` as `LINE:COL KEY: problem`. */
function errorsOf(text: string): string[] {
  try {
    load(text);
  } catch (err) {
    if (!(err instanceof ScenarioErrors)) throw err;
    return err.errors.map((e) => `${e.line}:${e.col} ${e.key}: ${e.problem}`);
  }
  assert.unreachable(`expected errors in:\n${text}`);
  return [];
}

const withSteps = (steps: string) => `name: t\nimage: debian\nsteps:\n${steps}`;

/** What the loader says of a version range it cannot read (not this feature's message). */
function rangeError(text: string): string {
  try {
    parseRange(text);
  } catch (err) {
    return (err as Error).message;
  }
  return 'parsed';
}

// ── the syntax ──────────────────────────────────────────────────────────────

test('findSavedRefs: each ${{ NAME }} with its place, blanks inside the braces allowed', () => {
  assert.equal(findSavedRefs('a ${{ boot_id }} b ${{x-1}}'), { refs: [{ name: 'boot_id', index: 2 }, { name: 'x-1', index: 19 }], malformed: [] });
  assert.equal(findSavedRefs('echo $HOME ${HOME} $((1+1)) {{.Id}} ${ {x}}'), { refs: [], malformed: [] }, 'shell and Go templates are left alone');
});

test('findSavedRefs: a ${{ that does not make a whole reference is malformed, at its index', () => {
  assert.equal(findSavedRefs('x ${{ boot'), { refs: [], malformed: [2] });
  assert.equal(findSavedRefs('${{ a.b }} ${{}} ${{ 1x }}'), { refs: [], malformed: [0, 11, 17] });
});

test('fillSaved replaces every reference and nothing else', () => {
  const values = new Map([['id', 'd7231dd1'], ['n', '$HOME']]);
  assert.is(fillSaved('[ "$(cat f)" != "${{ id }}" ] && echo ${{n}}${{id}}', (name) => values.get(name)!), '[ "$(cat f)" != "d7231dd1" ] && echo $HOMEd7231dd1');
});

// ── the loader ──────────────────────────────────────────────────────────────

test('a run step saves, later steps use the value in commands and expectations', () => {
  const s = load(withSteps(`  - run: cat /proc/sys/kernel/random/boot_id
    save: boot_id
  - reboot:
  - run: cat /proc/sys/kernel/random/boot_id
    expect: {stdout: {not: "\${{ boot_id }}"}}
  - file: /run/x
    expect: {content: "\${{boot_id}}"}
`));
  const [saver, , user, file] = s.steps as [RunStep, unknown, RunStep, FileStep];
  assert.is(saver.save, 'boot_id');
  assert.is(saver.uses, undefined);
  assert.equal(user.uses, ['boot_id']);
  assert.equal(user.expect.stdout, { not: { equals: '${{ boot_id }}' } }, 'the loader keeps the reference; the run fills it');
  assert.equal(file.uses, ['boot_id']);
});

test('a use of a name no earlier step saves is located at its ${{, with a hint', () => {
  assert.equal(errorsOf(withSteps(`  - run: cat /proc/sys/kernel/random/boot_id
    save: boot_id
  - run: test "$(cat /proc/sys/kernel/random/boot_id)" != \${{ bootid }}
`)), ['6:59 steps[1].run: no earlier step saves `bootid`; did you mean `boot_id`?']);
  assert.equal(errorsOf(withSteps(`  - run: echo
    expect:
      stdout: |
        first line
        and \${{ later }}
  - run: echo x
    save: later
`)), ['8:13 steps[0].expect.stdout: no earlier step saves `later` (`save: later` on a `run` step before this one keeps its output)']);
});

test('a step\'s own save is not yet there for its own command', () => {
  assert.equal(errorsOf(withSteps('  - run: echo ${{ x }}\n    save: x\n')), [
    '4:15 steps[0].run: no earlier step saves `x`: this step\'s own `save: x` holds only after it has run',
  ]);
});

test('a malformed reference, and references where nothing is replaced, are errors', () => {
  assert.equal(errorsOf(withSteps('  - run: echo ${{ a b }}\n')), [
    '4:15 steps[0].run: `${{` begins a saved value: write `${{ NAME }}`, NAME of letters, digits, _ and -',
  ]);
  assert.equal(errorsOf(withSteps(`  - run: echo x
    save: v
  - name: is \${{ v }}
    run: echo y
  - run: echo y
    expect: {stdout: {matches: "^\${{ v }}$"}}
  - run: echo y
    expect: {stdout: {equals: y}}
    when: {systemd: ">=252"}
  - run: echo y
    expect:
      - when: {systemd: "\${{ v }}"}
        stdout: y
      - stdout: z
  - run: echo y
    in: \${{ v }}
`)), [
    '6:14 steps[1].name: saved values are not replaced in `name`',
    '9:34 steps[2].expect.stdout.matches: saved values are not replaced in `matches` (a regular expression); use equals, contains or notContains',
    '15:25 steps[4].expect[0].when.systemd: ' + rangeError('${{ v }}'),
    '15:26 steps[4].expect[0].when.systemd: saved values are not replaced in `when`',
    '19:9 steps[5].in: service `${{ v }}` is not declared under `services:` (none are declared)',
  ]);
});

test('save: takes a name of letters, digits, _ and -, and only on a run step', () => {
  assert.equal(errorsOf(withSteps('  - run: echo\n    save: 1st\n')), [
    '5:11 steps[0].save: expected a name of letters, digits, _ and - that starts with a letter or _, got "1st"',
  ]);
  assert.match(errorsOf(withSteps('  - file: /x\n    expect: {exists: true}\n    save: y\n'))[0], /^6:5 steps\[0\]\.save: unknown key `save` in a `file` step/);
});

// ── the run ─────────────────────────────────────────────────────────────────

const at = { file: 's.yaml', line: 3, col: 5 };
const saver = (name = 'boot id before'): RunStep => ({ kind: 'run', name, command: 'cat /proc/sys/kernel/random/boot_id', expect: { exit: 0 }, at, everyMs: 1000, save: 'boot_id' });
const user = (): RunStep => ({
  kind: 'run', name: 'boot id after', command: 'test "$(cat f)" != "${{ boot_id }}"', expect: { exit: 0, stdout: { not: { contains: '${{boot_id}}' } } }, at: { ...at, line: 9 }, everyMs: 1000, uses: ['boot_id'],
});

test('a value saved by a step that passed is filled into the later step, name and place untouched', () => {
  const values = new SavedValues();
  values.record(saver(), 'passed', 'd7231dd1-a957');
  const filled = values.fill(user());
  assert.is(filled.command, 'test "$(cat f)" != "d7231dd1-a957"');
  assert.equal(filled.expect.stdout, { not: { contains: 'd7231dd1-a957' } });
  assert.is(filled.name, 'boot id after');
  assert.equal(filled.at, { ...at, line: 9 });
});

test('a value whose step failed, errored or was skipped: its users are errors saying which step and why', () => {
  const cases: Array<[Parameters<SavedValues['record']>[1], string | undefined, string]> = [
    ['failed', undefined, '`${{ boot_id }}` has no value: "boot id before" (s.yaml:3:5), which saves it, failed'],
    ['error', undefined, '`${{ boot_id }}` has no value: "boot id before" (s.yaml:3:5), which saves it, ended in an error'],
    ['skipped', 'not for systemd 252: when systemd >=257', '`${{ boot_id }}` has no value: "boot id before" (s.yaml:3:5), which saves it, was skipped (not for systemd 252: when systemd >=257)'],
  ];
  for (const [outcome, reason, message] of cases) {
    const values = new SavedValues();
    values.record(saver(), outcome, undefined, reason);
    assert.throws(() => values.fill(user()), (err: Error) => err instanceof UnsavedValue && err.message === message, outcome);
  }
});

test('several steps may save one name: the latest that ran counts; one skipped elsewhere does not undo it', () => {
  const values = new SavedValues();
  values.record(saver('on 252'), 'passed', 'old');
  values.record(saver('on 257'), 'skipped', undefined, 'not for systemd 252: when systemd >=257');
  assert.is(values.fill(user()).command, 'test "$(cat f)" != "old"');
  values.record(saver('again'), 'failed');
  assert.throws(() => values.fill(user()), /"again" \(s.yaml:3:5\), which saves it, failed/);
  values.record(saver('once more'), 'passed', 'new');
  assert.is(values.fill(user()).command, 'test "$(cat f)" != "new"');
});

test('a step that uses no saved value comes back as it is', () => {
  const plain = saver();
  assert.is(new SavedValues().fill(plain), plain);
});

test('an empty value makes a clause the loader refuses: an error naming the value and the step that saved it', () => {
  const values = new SavedValues();
  values.record({ ...saver('prints nothing'), save: 'nothing' }, 'passed', '');
  const uses = (stdout: RunStep['expect']['stdout']): RunStep => ({ ...user(), command: 'echo hello', expect: { exit: 0, stdout }, uses: ['nothing'] });
  const saved = '`nothing` is empty: "prints nothing" (s.yaml:3:5) saved it';
  const cases: Array<[RunStep['expect']['stdout'], string]> = [
    [{ contains: '${{ nothing }}' }, `expect.stdout.contains: contains is empty once \`\${{ nothing }}\` is filled in: every text contains "", so it would check nothing; give the text it is about; ${saved}`],
    [{ not: { notContains: '${{nothing}}' } }, `expect.stdout.not.notContains: notContains is empty once \`\${{ nothing }}\` is filled in: every text contains "", so it would check nothing; give the text it is about; ${saved}`],
  ];
  for (const [stdout, message] of cases) {
    assert.throws(() => values.fill(uses(stdout)), (err: Error) => err instanceof UnsavedValue && err.message === message, message);
  }
  // where "" is a fine value: equals, and a command
  assert.equal(values.fill(uses({ equals: '${{ nothing }}' })).expect.stdout, { equals: '' });
  assert.is(values.fill({ ...uses(undefined), command: 'test -z "${{ nothing }}"' }).command, 'test -z ""');
});

// The loader refuses `${{` in `matches:` today; were a step to get one, the loader's rule holds there too.
test('a value that makes a regular expression invalid is refused as the loader refuses it', () => {
  const values = new SavedValues();
  values.record({ ...saver('a paren'), save: 'p' }, 'passed', 'a(');
  const step: RunStep = { ...user(), command: 'true', expect: { exit: 0, stdout: { matches: '^${{ p }}$' } }, uses: ['p'] };
  assert.throws(() => values.fill(step), (err: Error) => err instanceof UnsavedValue
    && err.message === 'expect.stdout.matches: invalid regular expression /^a($/ once `${{ p }}` is filled in: Unterminated group; `p` is "a(": "a paren" (s.yaml:3:5) saved it');
});

test.run();
