// A reporter that throws costs nothing but its own output: every other reporter is told
// every event, each step is recorded once with its real outcome, later steps and other
// scenarios still run, and the JUnit report is written.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Guest, ExecOptions } from '../../harness/guest/guest.js';
import { loadScenarioText } from '../../harness/load/load.js';
import type { Reporter, ScenarioResult, StepResult } from '../../harness/report/events.js';
import { JUnitReporter } from '../../harness/report/junit.js';
import { Multiplexer } from '../../harness/report/multiplexer.js';
import type { GuestSource, ReadyGuest } from '../../harness/runner/guest-source.js';
import { runScenarios } from '../../harness/runner/run.js';
import { runScenario } from '../../harness/runner/scenario-run.js';
import { loadImage } from '../../harness/vm/image.js';
import type { Machine } from '../../harness/vm/machine.js';
import { tempDir } from '../support/harness.js';

const INFO = { name: 's', file: 's.yaml', image: 'debian-bookworm', stepCount: 1 };
const STEP: StepResult = { name: 'a', kind: 'run', outcome: 'passed', durationMs: 1, location: 's.yaml:1:1' };
const RESULT: ScenarioResult = { info: INFO, steps: [STEP], durationMs: 1, startedAt: new Date(0), properties: {} };

async function fakeImages(): Promise<string> {
  const images = await tempDir('reporter-faults-');
  const dir = path.join(images, 'debian-bookworm');
  await mkdir(dir);
  for (const file of ['kernel', 'initrd', 'disk.qcow2', 'id_ed25519']) await writeFile(path.join(dir, file), 'x');
  await chmod(path.join(dir, 'id_ed25519'), 0o600);
  await writeFile(path.join(dir, 'image.json'), JSON.stringify({
    name: 'debian-bookworm', distro: 'debian', release: 'bookworm', systemdVersion: '252', packages: { systemd: '252.39-1~deb12u2' },
    kernelCmdline: 'root=/dev/vda rw', hostKeyFingerprint: 'SHA256:abc', vm: { memory: 512, cpus: 1, threads: 1, cpuModel: 'max' },
  }));
  return images;
}

test('the multiplexer: a reporter that throws in any event is logged, the others are told, nothing is thrown', async () => {
  const seen: string[] = [];
  const logged: string[] = [];
  const broken: Reporter = {
    onRunBegin: () => { throw new Error('begin broke'); },
    onScenarioBegin: () => { throw new Error('scenario broke'); },
    onStepEnd: () => { throw new Error('console broke'); },
    onScenarioEnd: (() => Promise.reject(new Error('async end broke'))) as unknown as Reporter['onScenarioEnd'],
  };
  const recorder: Reporter = {
    onRunBegin: () => void seen.push('run'),
    onScenarioBegin: () => void seen.push('scenario'),
    onStepEnd: (_s, st) => void seen.push(st.name),
    onScenarioEnd: () => void seen.push('end'),
  };
  const mux = new Multiplexer([broken, recorder], (line) => logged.push(line));
  mux.onRunBegin([INFO]);
  mux.onScenarioBegin(INFO);
  mux.onStepEnd(INFO, STEP);
  mux.onStepEnd(INFO, { ...STEP, name: 'b' });
  mux.onScenarioEnd(RESULT);
  await new Promise((resolve) => setImmediate(resolve)); // the rejection is caught, not left unhandled
  assert.equal(seen, ['run', 'scenario', 'a', 'b', 'end']);
  assert.equal(logged.map((l) => /failed in (\w+): ([^(]+)/.exec(l)?.slice(1).join(': ')), [
    'onRunBegin: begin broke ', 'onScenarioBegin: scenario broke ', 'onStepEnd: console broke ', 'onScenarioEnd: async end broke ',
  ], 'each failure said once, the repeated onStepEnd one not again');
});

/** A stand-in guest: commands run by bash on this machine, a machine that is never lost. */
function localGuest(): ReadyGuest {
  const guest = {
    async exec(command: string, options: ExecOptions = {}) {
      const r = await execa('bash', ['-c', command], { input: options.stdin, reject: false, stripFinalNewline: false });
      return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr, durationMs: 0 };
    },
    close() {},
  } as unknown as Guest;
  const machine = { lost: new Promise<never>(() => {}), lostReason: async () => undefined, stop: async () => {}, serial: { tail: () => [], size: () => 0 } } as unknown as Machine;
  return { machine, guest, facts: { systemd: 'systemd 252 (252.39-1~deb12u2)', kernel: '6.1' }, guestEpoch: 0, origin: 'cold boot', readyMs: 0, notices: [] };
}

test('a step is recorded once, with its own outcome, when a reporter throws at it; later steps run', async () => {
  const scenario = loadScenarioText('name: t\nimage: debian-bookworm\nsteps:\n  - run: "true"\n  - run: "false"\n  - run: "echo third"\n', 't.yaml');
  const image = await loadImage(await fakeImages(), 'debian-bookworm');
  const recorded: string[] = [];
  const reporter: Reporter = {
    onStepEnd: (_s, step) => {
      recorded.push(`${step.name}: ${step.outcome}`);
      throw new Error('the console is gone');
    },
  };
  const guests: GuestSource = { start: async () => localGuest() };
  const result = await runScenario({
    scenario, image, suiteName: 't', accel: { accel: 'tcg', reason: 'test' }, guests, reporter,
    signal: new AbortController().signal, artifactsDir: await tempDir(), log: () => {},
  });
  assert.equal(result.steps.map((s) => `${s.name}: ${s.outcome}`), ['run: true: passed', 'run: false: failed', 'run: echo third: passed']);
  assert.equal(recorded, ['run: true: passed', 'run: false: failed', 'run: echo third: passed'], 'each step reported once');
});

test('a reporter that throws at a scenario\'s end costs no other scenario and no JUnit report', async () => {
  const images = await fakeImages();
  // every step is for another systemd: nothing boots, each scenario is a skipped result
  const text = (name: string) => `name: ${name}\nimage: debian-bookworm\nsteps:\n  - run: "true"\n    when: { systemd: ">=999" }\n`;
  const scenarios = ['one', 'two', 'three'].map((n) => loadScenarioText(text(n), `${n}.yaml`));
  const junitFile = path.join(await tempDir(), 'junit.xml');
  const ended: string[] = [];
  const broken: Reporter = {
    onScenarioEnd: (r) => {
      ended.push(r.info.name);
      throw new Error('the console is gone');
    },
  };
  const logged: string[] = [];
  const status = await runScenarios({
    scenarios, imagesDir: images, artifactsDir: await tempDir(), workers: 1, log: (l) => logged.push(l),
    reporter: new Multiplexer([broken, new JUnitReporter({ outputFile: junitFile })], (l) => logged.push(l)),
  });
  assert.is(status, 0);
  assert.equal(ended, ['one', 'two', 'three']);
  const junit = await readFile(junitFile, 'utf8');
  for (const name of ['one', 'two', 'three']) assert.match(junit, `testsuite name="${name}"`);
  assert.ok(logged.some((l) => l.includes('failed in onScenarioEnd: the console is gone')), logged.join('\n'));
});

test('a lone reporter handed to the runner is guarded too', async () => {
  const images = await fakeImages();
  const scenario = loadScenarioText('name: x\nimage: debian-bookworm\nsteps:\n  - run: "true"\n    when: { systemd: ">=999" }\n', 'x.yaml');
  let ends = 0;
  const status = await runScenarios({
    scenarios: [scenario, { ...scenario, name: 'y' }], imagesDir: images, artifactsDir: await tempDir(), workers: 1, log: () => {},
    reporter: { onScenarioEnd: () => { ends++; throw new Error('broken'); } },
  });
  assert.is(status, 0);
  assert.is(ends, 2);
});

test.run();
