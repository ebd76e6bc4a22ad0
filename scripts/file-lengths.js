#!/usr/bin/env node
// `npm run layout`, second half: no source file under harness/ is longer than 300 lines,
// so each one can be read in one sitting. A file that grows past it splits by concern
// (the import-graph rules say where the parts may live).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const LIMIT = 300;
const root = process.argv[2] ?? 'harness';
const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts')).sort();
const over = [];
for (const file of files) {
  const text = await readFile(path.join(root, file), 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > LIMIT) over.push(`${path.join(root, file)}: ${lines} lines (at most ${LIMIT})`);
}
for (const line of over) console.error(line);
console.log(over.length ? `✘ ${over.length} file(s) over ${LIMIT} lines` : `✔ every one of ${files.length} files under ${root}/ has at most ${LIMIT} lines`);
process.exit(over.length ? 1 : 0);
