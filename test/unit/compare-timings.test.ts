// compare's timings compare like with like: a guest made into a snapshot (a cold boot)
// against one restored from it is no slowdown of the scenario; and an image where every
// scenario was skipped still says which versions it holds, from its image.json.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildComparison, suitesFromResults, type ComparedSuite } from '../../harness/compare/model.js';
import { describeTiming } from '../../harness/compare/words.js';
import { loadScenarioText } from '../../harness/load/load.js';
import type { ScenarioResult } from '../../harness/report/events.js';
import { runScenarios } from '../../harness/runner/run.js';
import { tempDir } from '../support/harness.js';

const suite = (image: string, durationMs: number, properties: Record<string, string>): ComparedSuite => ({
  scenario: 's', image, properties: { 'systemd.version': image === 'a' ? '252' : '257', ...properties }, durationMs,
  steps: [{ name: 'x', kind: 'run', outcome: 'passed', durationMs: 100 }],
});
const timings = (suites: ComparedSuite[]) => {
  const comparison = buildComparison(suites);
  return comparison.timingChanges.map((change) => describeTiming(change, comparison.columns).replace(/, .*$/, ''));
};

test('a snapshot made against one restored: no slowdown, the guest starts are not compared', () => {
  const restored = suite('a', 6_300, { 'guest.origin': 'snapshot restored', 'guest.ready.ms': '2000' });
  const made = suite('b', 46_700, { 'guest.origin': 'snapshot made', 'guest.ready.ms': '42000', 'boot.ms': '40000' });
  assert.equal(timings([restored, made]), []);
});

test('steps and setup are compared apart from the guest start; the start only between the same origins', () => {
  const before = suite('a', 10_000, { 'guest.origin': 'snapshot restored', 'guest.ready.ms': '2000' });
  const slowerSteps = suite('b', 25_000, { 'guest.origin': 'snapshot restored', 'guest.ready.ms': '2100' });
  assert.equal(timings([before, slowerSteps]), ['steps and setup 8.0 s → 22.9 s (×2.86)']);
  const slowerStart = suite('b', 17_000, { 'guest.origin': 'snapshot restored', 'guest.ready.ms': '9000' });
  assert.equal(timings([before, slowerStart]), ['guest start (snapshot restored) 2.0 s → 9.0 s (×4.50)']);
  const cold = (image: string, durationMs: number, bootMs: string) => suite(image, durationMs, { 'guest.origin': 'cold boot', 'guest.ready.ms': bootMs, 'boot.ms': bootMs });
  assert.equal(timings([cold('a', 30_000, '20000'), cold('b', 52_000, '42000')]), ['boot to SSH 20.0 s → 42.0 s (×2.10)', 'guest start (cold boot) 20.0 s → 42.0 s (×2.10)']);
});

test('reports that do not say how the guest started still compare whole scenarios', () => {
  assert.equal(timings([suite('a', 10_000, {}), suite('b', 30_000, {})]), ['whole scenario 10.0 s → 30.0 s (×3.00)']);
});

async function fakeImage(images: string, name: string, systemd: string): Promise<void> {
  const dir = path.join(images, name);
  await mkdir(dir);
  for (const file of ['kernel', 'initrd', 'disk.qcow2', 'id_ed25519']) await writeFile(path.join(dir, file), 'x');
  await chmod(path.join(dir, 'id_ed25519'), 0o600);
  await writeFile(path.join(dir, 'image.json'), JSON.stringify({
    name, distro: 'debian', release: name, systemdVersion: systemd.split('.')[0], packages: { systemd, 'util-linux': '2.38' },
    kernelCmdline: 'quiet', hostKeyFingerprint: 'SHA256:x', vm: { memory: 512, cpus: 1, threads: 1, cpuModel: 'max' },
  }));
}

test('an image where every scenario was skipped still shows its versions, from image.json', async () => {
  const images = await tempDir('compare-versions-');
  await fakeImage(images, 'old', '252.39-1');
  await fakeImage(images, 'new', '257.13-1');
  // steps only for a systemd neither image has: nothing boots anywhere
  const scenario = loadScenarioText('name: s\nimage: old\nsteps:\n  - run: "true"\n    when: { systemd: ">=999" }\n', 's.yaml');
  let results: ScenarioResult[] = [];
  await runScenarios({
    scenarios: [scenario], images: ['old', 'new'], imagesDir: images, artifactsDir: await tempDir(), workers: 1, log: () => {},
    reporter: { onRunEnd: (r) => void (results = r) },
  });
  const comparison = buildComparison(suitesFromResults(results));
  assert.equal(comparison.columns.map((c) => c.label), ['old (systemd 252)', 'new (systemd 257)']);
  const systemd = comparison.environment.find((row) => row.name === 'package.systemd');
  assert.equal(systemd?.values, ['252.39-1', '257.13-1']);
});

test.run();
