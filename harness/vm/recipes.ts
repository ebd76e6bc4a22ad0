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
