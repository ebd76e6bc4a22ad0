// The programs the harness runs in the guest that are not TypeScript (confinement/closure.sh,
// confinement/inspect.py): real files, linted as such by `make check`, read as text to be
// sent over SSH. They live beside their modules under harness/; `npm run build` copies them
// into dist/ (scripts/copy-programs.js), so dist/ (and a mutant's copy of it) is whole.
import { readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** The text of harness/NAME (e.g. 'confinement/closure.sh'), as built into dist/. */
export function programText(name: string): string {
  const url = new URL(name, root);
  try {
    return readFileSync(url, 'utf8');
  } catch (err) {
    throw new Error(`${url.pathname} is missing: build with \`npm run build\` (it copies harness/${name} into dist/): ${(err as Error).message}`);
  }
}
