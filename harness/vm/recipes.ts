// The image names the repository's recipes build (images/debian/images.list), so that
// `--image all` and a misspelt `--image` can be answered without anything built.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export async function recipeImageNames(repoRoot: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path.join(repoRoot, 'images/debian/images.list'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim().split(/\s+/)[0])
    .filter((name) => name);
}

/**
 * `--image` as given (NAME, NAME,NAME… or all) → the names, checked against `known`;
 * throws with a sentence for the usage message.
 */
export function imageNamesFromOption(value: string, known: string[]): string[] {
  if (value.trim() === 'all') {
    // baselines a refresh kept (NAME@VERSION) run when named, not with every image
    const all = known.filter((name) => !name.includes('@'));
    if (all.length === 0) throw new Error('--image all: no image recipe in images/debian/images.list and none built');
    return all;
  }
  const names = value.split(',').map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') throw new Error(`--image: an empty image name in "${value}"; write NAME or NAME,NAME…`);
    if (seen.has(name)) throw new Error(`--image: ${name} is named twice in "${value}"`);
    seen.add(name);
    if (!known.includes(name)) throw new Error(`--image: unknown image "${name}"; known: ${known.join(', ')} (or \`all\`)`);
  }
  return names;
}
