// The one shell quoting, sent through a real `bash -c` and back: what comes out is the
// word that went in, for the words that break hand-rolled quoting. And it is the only one:
// no other file under harness/ quotes for a shell by hand.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shellCommand, shellQuote } from '../../harness/util/quote.js';
import { REPO_ROOT } from '../support/harness.js';

const WORDS = ['', 'plain', 'two words', 'line one\nline two', '\n', '-n', '--help', "it's", "''", '"double"', 'naïve ünïcode ✓', '日本語',
  '$HOME', '`id`', '$(id)', '*', '~', '!x', 'a\\b', 'tab\there', 'a=b', 'x;y', '#', ' leading space', 'trailing\n'];

async function throughBash(line: string): Promise<string[]> {
  const { stdout } = await execa('bash', ['-c', line], { stripFinalNewline: false, env: { HOME: '/nonexistent' } });
  return stdout.split('\0').slice(0, -1);
}

test('every word comes back from bash -c as it went in', async () => {
  assert.equal(await throughBash(`printf '%s\\0' ${WORDS.map(shellQuote).join(' ')}`), WORDS);
});

test('a command line from argv runs that argv, the first word included', async () => {
  assert.equal(await throughBash(shellCommand(['printf', '%s\\0', ...WORDS])), WORDS);
  // bare, `a=b` first would be an assignment; quoted, it is the command bash looks for
  const assignment = await execa('bash', ['-c', shellCommand(['a=b', 'arg'])], { reject: false });
  assert.is(assignment.exitCode, 127, assignment.stderr);
  assert.match(assignment.stderr, 'a=b: command not found');
});

test('safe words stay bare, so commands read as a person would write them', () => {
  assert.equal(['/etc/passwd', 'kernel.kptr_restrict=1', '-rf', 'user@host', 'a,b'].map(shellQuote), ['/etc/passwd', 'kernel.kptr_restrict=1', '-rf', 'user@host', 'a,b']);
});

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))));
  return nested.flat();
}

test("util/quote.ts is the harness's only shell quoting", async () => {
  const root = path.join(REPO_ROOT, 'harness');
  const quoting: string[] = [];
  for (const file of await sources(root)) {
    // the tell-tale of hand-rolled single quoting: ' becomes '\''
    if ((await readFile(file, 'utf8')).includes(`'\\\\''`)) quoting.push(path.relative(root, file));
  }
  assert.equal(quoting, ['util/quote.ts']);
});

test.run();
