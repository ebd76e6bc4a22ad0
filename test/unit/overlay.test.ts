// Overlays (`harness run --overlay`) and the pure parts of `harness mutants`: what an
// overlay does to a scenario, its located errors, the catalogue's patches and verdicts.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadScenarioText } from '../../harness/load/load.js';
import { applyOverlay, loadOverlayText } from '../../harness/load/overlay.js';
import { ScenarioErrors } from '../../harness/scenario/errors.js';
import { loadCatalogue } from '../../harness/mutants/catalogue.js';
import { firstThese } from '../../harness/mutants/guest.js';
import { patched, PatchError } from '../../harness/mutants/harness-side.js';
import { renderTable, score, verdictResults, type Verdict } from '../../harness/mutants/verdict.js';
import { REPO_ROOT } from '../support/harness.js';

const scenario = loadScenarioText(
  `name: s
image: debian-bookworm
vm: {kernelParams: [nosmt, quiet, mitigations=auto]}
files:
  /etc/a: {content: "scenario's a\\n"}
  /etc/b: {content: "scenario's b\\n"}
sysctl: {user.max_user_namespaces: 0, kernel.kexec_load_disabled: 1}
steps:
  - run: "true"
`,
  'scenarios/s.yaml',
);

function overlayErrors(text: string): string[] {
  try {
    loadOverlayText(text, 'o.yaml');
  } catch (err) {
    if (!(err instanceof ScenarioErrors)) throw err;
    return err.errors.map((e) => `${e.line}:${e.col} ${e.key}: ${e.problem}`);
  }
  assert.unreachable('expected errors');
  return [];
}

test('an overlay wins where both set a file or a sysctl, and adds what the scenario lacks', () => {
  const overlay = loadOverlayText('files:\n  /etc/a: {content: "overlay\'s a\\n", mode: "0600"}\n  /etc/c: {content: c}\nsysctl: {user.max_user_namespaces: 15000}\n', 'o.yaml');
  const s = applyOverlay(scenario, overlay);
  assert.is(s.guests[0].files['/etc/a'].content, "overlay's a\n");
  assert.is(s.guests[0].files['/etc/a'].mode, '0600');
  assert.is(s.guests[0].files['/etc/b'].content, "scenario's b\n");
  assert.is(s.guests[0].files['/etc/c'].content, 'c');
  assert.equal(s.guests[0].sysctl, { 'user.max_user_namespaces': '15000', 'kernel.kexec_load_disabled': '1' });
  assert.is(scenario.guests[0].files['/etc/a'].content, "scenario's a\n", 'the loaded scenario itself is left as it was');
});

test('removeSysctl takes a setting out of the scenario: the setting is no longer made', () => {
  const s = applyOverlay(scenario, loadOverlayText('removeSysctl: [kernel.kexec_load_disabled, not.set.anyway]\n', 'o.yaml'));
  assert.equal(s.guests[0].sysctl, { 'user.max_user_namespaces': '0' });
  assert.equal(scenario.guests[0].sysctl, { 'user.max_user_namespaces': '0', 'kernel.kexec_load_disabled': '1' }, 'the loaded scenario itself is left as it was');
});

test('removeKernelParams drops a name and its name=value forms; kernelParams are appended', () => {
  const overlay = loadOverlayText('vm: {removeKernelParams: [nosmt, mitigations], kernelParams: [nohibernate]}\n', 'o.yaml');
  assert.equal(applyOverlay(scenario, overlay).guests[0].vm.kernelParams, ['quiet', 'nohibernate']);
  const emptied = applyOverlay(scenario, loadOverlayText('vm: {removeKernelParams: [nosmt, quiet, mitigations]}\n', 'o.yaml'));
  assert.is(emptied.guests[0].vm.kernelParams, undefined, 'no empty list left behind: the VM spec, and so the snapshot, stays the one of no parameters');
});

test('an overlay names its own mistakes at line, column and key', () => {
  assert.equal(overlayErrors('files:\n  etc/a: {content: x}\n'), ['2:3 files["etc/a"]: expected an absolute path, got "etc/a"']);
  assert.equal(overlayErrors('vm: {memory: 512}\n'), ["1:6 vm.memory: unknown key `memory` in an overlay's `vm` (it adds or removes kernel parameters); known keys: kernelParams, removeKernelParams"]);
  assert.equal(overlayErrors('steps: []\nsysctl: {a.b: 1}\n'), ['1:1 steps: unknown key `steps` in an overlay; known keys: name, description, files, sysctl, removeSysctl, vm']);
  assert.equal(overlayErrors('name: x\n'), ['1:1 : an overlay that changes nothing would prove nothing: give it `files`, `sysctl`, `removeSysctl` or `vm`']);
  assert.equal(overlayErrors('sysctl: {kernel.x: true}\n'), ['1:20 sysctl["kernel.x"]: sysctl values are numbers or text; write 1 or 0, not true/false']);
});

test("an overlay's name is its `name:`, else its file's", () => {
  assert.is(loadOverlayText('sysctl: {a.b: 1}\n', 'mutants/guest/userns-allowed.yaml').name, 'userns-allowed');
  assert.is(loadOverlayText('name: site\nsysctl: {a.b: 1}\n', 'x.yaml').name, 'site');
});

test('a harness-side patch applies only where its text stands exactly once', () => {
  const mutant = { name: 'm', file: 'harness/x.js', replace: 'if (a) {', with: 'if (false) {' };
  assert.is(patched('x; if (a) { y }', mutant), 'x; if (false) { y }');
  assert.throws(() => patched('x; y', mutant), (err: Error) => err instanceof PatchError && err.message === 'mutant "m" no longer applies: dist/harness/x.js holds its `replace` text 0 times, not once');
  assert.throws(() => patched('if (a) {} if (a) {}', mutant), /2 times, not once/);
  assert.is(patched('a', { ...mutant, replace: 'a', with: '$&$&' }), '$&$&', 'the replacement is taken literally');
});

test('the named scenarios run first, in the order named; the rest keep theirs', () => {
  const named = (...names: string[]) => names.map((name) => ({ ...scenario, name }));
  assert.equal(firstThese(named('a', 'b', 'c', 'd'), ['c', 'a']).map((s) => s.name), ['c', 'a', 'b', 'd']);
  assert.equal(firstThese(named('a', 'b'), ['zzz']).map((s) => s.name), ['a', 'b']);
});

test('the table gives every mutant a row, MISSED in capitals, and the score counts only catches', () => {
  const verdicts: Verdict[] = [
    { name: 'private-users-off', side: 'guest', outcome: 'caught', by: 'confinement › each service has its own user namespace', message: 'private: expected true, got false', durationMs: 12_000 },
    { name: 'quiet-one', side: 'guest', outcome: 'missed', message: 'only a read-back went red: s › unit: x', durationMs: 90_000 },
    { name: 'broken', side: 'harness', outcome: 'error', message: 'no longer applies', durationMs: 1_000 },
  ];
  const table = renderTable(verdicts).split('\n');
  assert.is(table.length, 4);
  assert.match(table[1], /^guest +private-users-off +caught +12 s +confinement › each service has its own user namespace: private: expected true, got false$/);
  assert.match(table[2], /MISSED +90 s +only a read-back went red: s › unit: x$/);
  assert.match(table[3], /ERROR +1 s +no longer applies$/);
  assert.is(score(verdicts), '1 of 3 caught (33 %)');
  assert.is(score(verdicts, 'guest'), 'guest-side: 1 of 2 caught (50 %)');
  const [guest] = verdictResults(verdicts, 'mutants/catalogue.yaml');
  assert.equal(guest.steps.map((s) => s.outcome), ['passed', 'failed']);
});

test('the shipped catalogue loads: every overlay reads, and there are at least 15 guest-side mutants', async () => {
  const catalogue = await loadCatalogue(path.join(REPO_ROOT, 'mutants/catalogue.yaml'));
  assert.ok(catalogue.guest.length >= 15, `${catalogue.guest.length} guest-side mutants`);
  const names = [...catalogue.guest.map((m) => m.overlay.name), ...catalogue.harness.map((m) => m.name)];
  assert.is(new Set(names).size, names.length, 'mutant names are unique');
});

// A refactor that moves the code a harness-side mutant aims at leaves the mutant an ERROR in
// `make check` (it did, once: a matcher rule moved to matcher-rules.ts); say so here, sooner.
test('every harness-side mutant still applies to the built code: its `replace` text is there exactly once', async () => {
  const catalogue = await loadCatalogue(path.join(REPO_ROOT, 'mutants/catalogue.yaml'));
  const stale: string[] = [];
  for (const mutant of catalogue.harness) {
    try {
      patched(await readFile(path.join(REPO_ROOT, 'dist', mutant.file), 'utf8'), mutant);
    } catch (err) {
      if (!(err instanceof PatchError)) throw err;
      stale.push(err.message);
    }
  }
  assert.equal(stale, []);
});

test.run();
