#!/usr/bin/env node
// `npm run schema`: writes the step definitions of schema/scenario.schema.json from the
// harness's step kinds (harness/checks/kinds.ts), leaving the rest of the file as it is.
// `--check` only says whether the file is up to date (exit 1 when it is not).
import { readFile, writeFile } from 'node:fs/promises';
import { stepDefinitions } from '../dist/harness/checks/kind-schema.js';

const FILE = new URL('../schema/scenario.schema.json', import.meta.url);
const text = await readFile(FILE, 'utf8');
const schema = JSON.parse(text);
const steps = stepDefinitions(schema.definitions);
// The kinds' definitions, in the kinds' order, take the place of the old ones (a kind the
// harness no longer has goes); everything else stays where it was.
const definitions = {};
for (const [name, value] of Object.entries(schema.definitions)) {
  if (/Step$/.test(name) || name === 'step') {
    for (const [kindName, kindValue] of Object.entries(steps)) if (!(kindName in definitions)) definitions[kindName] = kindValue;
  } else {
    definitions[name] = value;
  }
}
const updated = JSON.stringify({ ...schema, definitions }, null, 2) + '\n';
if (process.argv.includes('--check')) {
  if (updated !== text) {
    console.error('schema/scenario.schema.json is out of date with the step kinds: run `npm run schema`');
    process.exit(1);
  }
} else {
  await writeFile(FILE, updated);
}
