// Loader errors as tests compare them: `LINE:COL KEY: problem`.
import * as assert from 'uvu/assert';
import { ScenarioErrors } from '../../harness/scenario/errors.js';
import { loadScenarioText, type LoadOptions } from '../../harness/load/load.js';

export const FILE = 'scenarios/x.yaml';

/** Every error of `text` as `LINE:COL KEY: problem`, in the order the loader reports them. */
export function errorsOf(text: string, opts: LoadOptions = {}): string[] {
  try {
    loadScenarioText(text, FILE, opts);
  } catch (err) {
    if (!(err instanceof ScenarioErrors)) throw err;
    return err.errors.map((e) => `${e.line}:${e.col} ${e.key}: ${e.problem}`);
  }
  assert.unreachable(`expected errors in:\n${text}`);
  return [];
}

/** The one error of `text`, as `LINE:COL KEY: problem`. */
export function errorOf(text: string, opts: LoadOptions = {}): string {
  const errors = errorsOf(text, opts);
  assert.is(errors.length, 1, `one error expected, got:\n${errors.join('\n')}`);
  return errors[0];
}

/** A valid scenario around `steps` (given as YAML lines, indented by two). */
export function withSteps(steps: string, head = ''): string {
  return `name: t\nimage: debian\n${head}services:\n  probe:\n    exec: /usr/bin/sleep infinity\nsteps:\n${steps}`;
}
