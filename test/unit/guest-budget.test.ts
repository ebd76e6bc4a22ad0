// The guest budget: a scenario's guests run at once, so they must fit in the host's memory
// together, whatever --workers says; one that cannot is refused with the figures before
// anything boots. And when a step goes wrong, every guest is asked at once whether it is gone.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { budgetProblem } from '../../harness/runner/guest-budget.js';
import { lostGuest } from '../../harness/runner/guest-errors.js';
import type { ScenarioGuest } from '../../harness/runner/scenario-guest.js';
import { leftovers, runHarness, scenarioFile, tempDir } from '../support/harness.js';

const guests = (...memories: number[]) => memories.map((memory, i) => ({ name: `g${i}`, memoryMiB: memory }));

test('budgetProblem: guests that fit together pass; those that do not are named with the figures', () => {
  assert.is(budgetProblem(guests(1024, 1024), 8192), undefined);
  const problem = budgetProblem(guests(...new Array(8).fill(2048)), 12_000);
  assert.is(
    problem,
    'not run: its 8 guests need 20480 MiB at once (8 × 2048 MiB, and 512 MiB for each QEMU), and this host has 12000 MiB free, 2048 MiB of it kept for the host',
  );
  assert.match(budgetProblem(guests(4096), 4096) ?? '', /its 1 guest needs 4608 MiB at once \(4096 MiB, and 512 MiB for its QEMU\)/);
});

/** An images folder holding debian-bookworm with its files present (nothing here boots). */
async function fakeImages(): Promise<string> {
  const images = await tempDir();
  const dir = path.join(images, 'debian-bookworm');
  await mkdir(dir);
  for (const file of ['kernel', 'initrd', 'disk.qcow2', 'id_ed25519']) await writeFile(path.join(dir, file), 'x');
  await chmod(path.join(dir, 'id_ed25519'), 0o600);
  const meta = { distro: 'debian', release: 'bookworm', systemdVersion: '252', packages: {}, kernelCmdline: 'root=/dev/vda', hostKeyFingerprint: 'SHA256:x', vm: { memory: 1024, cpus: 2, threads: 1, cpuModel: 'max' } };
  await writeFile(path.join(dir, 'image.json'), JSON.stringify(meta));
  return images;
}

test('run: a scenario whose guests cannot fit in memory together is an error with the figures, and no QEMU starts', async () => {
  const guest = (name: string) => `  ${name}:\n    vm: {memory: 262144}\n`;
  const file = await scenarioFile(`name: too big to fit
image: debian-bookworm
guests:
${guest('one')}${guest('two')}${guest('three')}steps:
  - on: one
    run: "true"
`);
  const run = await runHarness(['run', file, '--images-dir', await fakeImages(), '--workers', '3'], { timeoutMs: 60_000 });
  assert.is(run.exitCode, 3, run.stdout + run.stderr);
  assert.match(run.stdout + run.stderr, /not run: its 3 guests need 787968 MiB at once \(3 × 262144 MiB, and 512 MiB for each QEMU\), and this host has \d+ MiB free/);
  assert.not.match(run.stdout + run.stderr, /accelerator:/, 'refused before an accelerator is chosen for it, let alone a guest booted');
  assert.equal(await leftovers(run), []);
});

test('lostGuest asks every guest at once: eight guests slow to answer take one answer\'s time, not eight', async () => {
  const slot = (lost: boolean) =>
    ({ ready: { machine: { lostReason: () => new Promise((resolve) => setTimeout(() => resolve(lost ? new Error('gone') : undefined), 300)) } } }) as unknown as ScenarioGuest;
  const slots = [...new Array(7).fill(false).map(() => slot(false)), slot(true)];
  const began = Date.now();
  const found = await lostGuest(slots);
  const took = Date.now() - began;
  assert.is(found?.slot, slots[7]);
  assert.is(found?.reason.message, 'gone');
  assert.ok(took < 1000, `took ${took} ms`);
});

test.run();
