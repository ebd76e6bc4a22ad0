// What the guest showed for one step, kept with its result so that two runs can be diffed.
// A check builds the record; the JUnit report carries it in the testcase's system-out as
// one delimited JSON block (the JUnit schema allows no properties on a testcase), and
// `harness compare` reads it back. Records hold no timestamps, pids or durations: the
// same systemd gives the same record, another systemd shows what it changed.

/** A value as it appears in a record: flat enough to diff key by key. */
export type ObservedValue = string | number | boolean | null | string[] | { [key: string]: string };

/** Key → value, keys in the order the check chose (kept when rendered). */
export type Observation = Record<string, ObservedValue>;

/** The lines that open and close the block inside system-out. Guest text cannot forge
 *  them: a step's own output has any such line defused before the block is written. */
export const OBSERVED_BEGIN = '----- harness observed (JSON) -----';
export const OBSERVED_END = '----- end of harness observed -----';

/** The block: the markers around pretty-printed JSON. JSON escapes newlines and control
 *  characters inside strings, so no line of the JSON can equal a marker. */
export function observedBlock(observed: Observation): string {
  return [OBSERVED_BEGIN, JSON.stringify(observed, null, 1), OBSERVED_END].join('\n');
}

/** A step's own output with any marker line indented, so only the harness writes a block. */
export function defuseMarkers(output: string): string {
  return output
    .split('\n')
    .map((line) => (line.trim() === OBSERVED_BEGIN || line.trim() === OBSERVED_END ? ` ${line}` : line))
    .join('\n');
}

export class ObservedBlockError extends Error {
  override name = 'ObservedBlockError';
}

/** The record in a testcase's system-out, or undefined when it carries none. Throws when
 *  a block is there but broken: a damaged report should say so, not compare as empty. */
export function readObservedBlock(systemOut: string): Observation | undefined {
  const lines = systemOut.split(/\r?\n/);
  const begin = lines.lastIndexOf(OBSERVED_BEGIN);
  if (begin < 0) return undefined;
  const end = lines.indexOf(OBSERVED_END, begin + 1);
  if (end < 0) throw new ObservedBlockError(`the observed block has no closing line "${OBSERVED_END}"`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(lines.slice(begin + 1, end).join('\n'));
  } catch (err) {
    throw new ObservedBlockError(`the observed block is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ObservedBlockError('the observed block is not a JSON object');
  return parsed as Observation;
}
