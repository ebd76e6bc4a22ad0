#!/usr/bin/env node
// `npm run build`, after tsc: the programs under harness/ that are not TypeScript (.sh,
// .py; see harness/util/program-text.ts) go beside their compiled modules in dist/harness/.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

const files = (await readdir('harness', { recursive: true })).filter((file) => /\.(sh|py)$/.test(file));
for (const file of files) {
  await mkdir(path.join('dist/harness', path.dirname(file)), { recursive: true });
  await copyFile(path.join('harness', file), path.join('dist/harness', file));
}
