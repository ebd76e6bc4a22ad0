// Errors in scenario files, each pointing at the place a person has to edit.

/** One problem in a scenario file, located at FILE:LINE:COL and named by its key path. */
export class ScenarioError extends Error {
  /**
   * @param key a dotted path such as `steps[3].expect.exit`; empty when the problem
   *   is not about one key (a YAML syntax error, an unreadable file).
   * @param problem a human sentence, without the location.
   */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file}:${line}:${col}: ${key ? `${key}: ` : ''}${problem}`);
    this.name = 'ScenarioError';
  }
}

/** Every problem found in one file: the loader reports them all at once, not the first only. */
export class ScenarioErrors extends Error {
  constructor(readonly errors: ScenarioError[]) {
    super(errors.map((error) => error.message).join('\n'));
    this.name = 'ScenarioErrors';
  }
}

/** Document order within one file, so that a listing reads top to bottom like the file. */
export function byPosition(a: ScenarioError, b: ScenarioError): number {
  return a.line - b.line || a.col - b.col;
}

/** A problem with a whole file (unreadable, missing): reported at its first line. */
export function fileError(file: string, problem: string): ScenarioError {
  return new ScenarioError(file, 1, 1, '', problem);
}
