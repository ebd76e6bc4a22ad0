// Harness-side mutants: a bug seeded into a copy of the built harness (dist/), then the
// unit tests aimed at that code run against the copy. The checkout itself is never touched.
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { HarnessMutant } from './catalogue.js';
import type { Verdict } from './verdict.js';

/** What the copy shares with the checkout unchanged (read-only inputs of the tests). */
const SHARED = ['node_modules', 'package.json', 'test', 'scenarios', 'schema', 'vendor', 'images', 'docs', 'mutants'];
const TEST_DEADLINE_MS = 5 * 60_000;

export class PatchError extends Error {}

/** The patched text, or why the patch no longer applies (the code it aims at moved on). */
export function patched(source: string, mutant: Pick<HarnessMutant, 'name' | 'file' | 'replace' | 'with'>): string {
  const count = source.split(mutant.replace).length - 1;
  if (count !== 1) {
    throw new PatchError(`mutant "${mutant.name}" no longer applies: dist/${mutant.file} holds its \`replace\` text ${count} times, not once`);
  }
  return source.replace(mutant.replace, () => mutant.with);
}

/** Runs `tests` (files of dist/test/unit) in `root`; true when all passed. */
async function testsPass(root: string, tests: string[]): Promise<{ passed: boolean; output: string }> {
  const pattern = `^(${tests.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
  const result = await execa('node', [path.join(root, 'node_modules/uvu/bin.js'), 'dist/test/unit', pattern, '--no-color'], {
    cwd: root,
    reject: false,
    all: true,
    timeout: TEST_DEADLINE_MS,
    env: { FORCE_COLOR: '0' },
  });
  const ran = /Total:\s+(\d+)/.exec(result.all ?? '');
  // uvu exits 0 when the pattern matches no file: that would be a green that tested nothing.
  if (!ran || Number(ran[1]) === 0) throw new PatchError(`no unit test ran for ${tests.join(', ')}: check the names (files of dist/test/unit)`);
  return { passed: result.exitCode === 0, output: result.all ?? '' };
}

/** A disposable copy of the checkout's dist/ and bin/, beside links to what it only reads. */
export async function harnessCopy(repoRoot: string): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'harness-mutant-'));
  await cp(path.join(repoRoot, 'dist'), path.join(root, 'dist'), { recursive: true });
  await cp(path.join(repoRoot, 'bin'), path.join(root, 'bin'), { recursive: true });
  for (const name of SHARED) await symlink(path.join(repoRoot, name), path.join(root, name)).catch(() => undefined);
  return root;
}

export async function runHarnessMutant(mutant: HarnessMutant, repoRoot: string): Promise<Verdict> {
  const started = Date.now();
  const verdict = { name: mutant.name, side: 'harness' as const };
  const root = await harnessCopy(repoRoot);
  try {
    const target = path.join(root, 'dist', mutant.file);
    const before = await testsPass(root, mutant.tests);
    if (!before.passed) return { ...verdict, outcome: 'error', message: `${mutant.tests.join(', ')} already fail without the mutant`, durationMs: Date.now() - started };
    await writeFile(target, patched(await readFile(target, 'utf8'), mutant));
    const after = await testsPass(root, mutant.tests);
    const failing = /FAIL\s+(?:.*?)"([^"]+)"/.exec(after.output)?.[1];
    return after.passed
      ? { ...verdict, outcome: 'missed', durationMs: Date.now() - started }
      : { ...verdict, outcome: 'caught', by: mutant.tests.join(', '), ...(failing ? { message: failing } : {}), durationMs: Date.now() - started };
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
    return { ...verdict, outcome: 'error', message: err.message, durationMs: Date.now() - started };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
