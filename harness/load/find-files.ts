// Which files a run's paths name: scenario files given directly, or found below folders.
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fileError, type ScenarioError } from '../scenario/errors.js';

const SCENARIO_EXTENSIONS = ['.yaml', '.yml'];

/** The scenario files under `paths`, each once, in order; a path that is not there is an error, not a stop. */
export async function findScenarioFiles(paths: string[]): Promise<{ files: string[]; errors: ScenarioError[] }> {
  const files: string[] = [];
  const errors: ScenarioError[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = path.resolve(file);
    if (!seen.has(key)) files.push(file);
    seen.add(key);
  };
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch (err) {
      errors.push(fileError(p, `no such file or folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`));
      continue;
    }
    if (!info.isDirectory()) {
      add(p);
      continue;
    }
    const found = await scenarioFilesUnder(p);
    if (found.length === 0) errors.push(fileError(p, `no scenario files (${SCENARIO_EXTENSIONS.map((e) => `*${e}`).join(', ')}) in this folder`));
    found.forEach(add);
  }
  return { files, errors };
}

/** Scenario files below `dir`, sorted; hidden files and folders are left out. */
async function scenarioFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: false });
  const candidates = entries
    .filter((rel) => SCENARIO_EXTENSIONS.includes(path.extname(rel)))
    .filter((rel) => !rel.split(path.sep).some((part) => part.startsWith('.')))
    .sort()
    .map((rel) => path.join(dir, rel));
  const files: string[] = [];
  for (const file of candidates) if ((await stat(file)).isFile()) files.push(file);
  return files;
}
