// The project stands on its own: a user clones it alone, with nothing beside it.
// Nothing it tracks may point outside its tree, and its unit tests pass in such a clone.
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT, tempDir } from '../support/harness.js';

// The copy runs these same unit tests; it must not copy itself again.
const INSIDE_COPY = process.env.HARNESS_STANDALONE_COPY === '1';
const IS_CHECKOUT = existsSync(path.join(REPO_ROOT, '.git'));

/** The files a fresh clone of the work tree would hold: tracked, plus new ones git does not ignore. */
async function projectFiles(): Promise<string[]> {
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT });
  return stdout.split('\0').filter((f) => f !== '' && existsSync(path.join(REPO_ROOT, f)));
}

const TEXT = /\.(ts|js|sh|md|yaml|yml|json|xsd|nix)$|(^|\/)(Makefile|run)$/;
// A relative link in Markdown; its target must be a file of the project.
// The folder beside the project that its developers (not its users) have; spelled in
// pieces so that this file does not name it.
const SIBLING_FOLDER = new RegExp(['\\.\\./', 'shared\\b'].join(''));
const MARKDOWN_LINK = /\]\(([^)#\s]+)(?:#[^)]*)?\)/g;

(IS_CHECKOUT ? test : test.skip)('no tracked file names a path outside the project', async () => {
  const outside: string[] = [];
  for (const file of (await projectFiles()).filter((f) => TEXT.test(f) && f !== 'package-lock.json')) {
    const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (SIBLING_FOLDER.test(line)) outside.push(`${file}:${i + 1}: ${line.trim()}`);
      if (!file.endsWith('.md')) return;
      for (const [, target] of line.matchAll(MARKDOWN_LINK)) {
        if (/^[a-z]+:/i.test(target)) continue; // a URL, not a path
        const resolved = path.resolve(path.dirname(path.join(REPO_ROOT, file)), target);
        if (!resolved.startsWith(REPO_ROOT + path.sep) || !existsSync(resolved)) outside.push(`${file}:${i + 1}: link to ${target}`);
      }
    });
  }
  assert.equal(outside, [], `paths outside the project or broken links:\n${outside.join('\n')}`);
});

(IS_CHECKOUT && !INSIDE_COPY ? test : test.skip)('a copy of the project alone in an empty folder passes these unit tests', async () => {
  const empty = await tempDir();
  const copy = path.join(empty, 'project');
  for (const file of await projectFiles()) {
    await mkdir(path.dirname(path.join(copy, file)), { recursive: true });
    await cp(path.join(REPO_ROOT, file), path.join(copy, file), { preserveTimestamps: true });
  }
  // The registry is not the point here: the same dependencies, linked rather than fetched again.
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  await execa('npm', ['run', 'build'], { cwd: copy });
  const result = await execa('npx', ['uvu', 'dist/test/unit', '\\.test\\.js$', '--no-color'], {
    cwd: copy,
    reject: false,
    env: { HARNESS_STANDALONE_COPY: '1' },
  });
  const total = /Total:\s+(\d+)/.exec(result.stdout)?.[1];
  const passed = /Passed:\s+(\d+)/.exec(result.stdout)?.[1];
  const failures = result.stdout.split('\n').filter((line) => /FAIL|✘/.test(line)).join('\n');
  assert.ok(total && Number(total) > 50, `the copy ran too few tests (${total}):\n${result.stdout.slice(-2000)}`);
  // uvu's Total leaves out skipped tests.
  assert.is(Number(passed), Number(total), `unit tests failed in the copy:\n${failures}\n${result.stderr.slice(-2000)}`);
  assert.is(result.exitCode, 0);
});

test.run();
