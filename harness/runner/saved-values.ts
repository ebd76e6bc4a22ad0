// The values a scenario's steps save, as its run goes: each name holds the value of the
// latest step that saved it, or why that step left none. A step that uses a value gets
// it filled into its text before it runs; one whose value is missing is an error that
// says which step should have saved it and what became of that step, never a command
// run with an empty string. A value that leaves an expectation the loader would refuse
// as written (an empty `contains:`, an invalid regular expression) is an error too.
import type { Step } from '../load/scenario.js';
import { clauseProblem, clausesOf, isTextMatcher } from '../scenario/matcher-rules.js';
import { fillSaved, findSavedRefs } from '../scenario/saved.js';
import type { Outcome } from '../report/events.js';
import { FaultError } from '../util/fault.js';

/** A step uses a value that its saving step did not leave: the test side's. */
export class UnsavedValue extends FaultError {
  override name = 'UnsavedValue';
  constructor(message: string) {
    super(message, 'harness');
  }
}

/** A value, and the step that saved it (for messages); or why there is none. */
type Slot = { value: string; savedBy: string } | { missing: string };

/** Keys of a step that are no text of what it does: left as they are. */
const NOT_FILLED = new Set(['kind', 'name', 'at', 'when', 'variants', 'save', 'uses']);

const WHAT_BECAME: Record<Exclude<Outcome, 'passed'>, string> = {
  failed: 'failed',
  error: 'ended in an error',
  skipped: 'was skipped',
};

export class SavedValues {
  private readonly slots = new Map<string, Slot>();

  /** A step that saves has its outcome: its name now holds the value, or why there is none. */
  record(step: Step, outcome: Outcome, value?: string, reason?: string): void {
    const name = step.save;
    if (name === undefined) return;
    const savedBy = `"${step.name}" (${step.at.file}:${step.at.line}:${step.at.col})`;
    if (outcome === 'passed' && value !== undefined) return void this.slots.set(name, { value, savedBy });
    // A step skipped here (its `when:`) leaves an earlier step's value standing: that is
    // how per-version alternatives save one name.
    if (outcome === 'skipped' && this.slots.has(name)) return;
    const became = outcome === 'passed' ? 'gave no value' : WHAT_BECAME[outcome];
    this.slots.set(name, { missing: `${savedBy}, which saves it, ${became}${reason ? ` (${reason})` : ''}` });
  }

  /** The step with its saved values filled in; throws UnsavedValue when one is missing. */
  fill<S extends Step>(step: S): S {
    if (!step.uses?.length) return step;
    const values = new Map<string, { value: string; savedBy: string }>();
    for (const name of step.uses) {
      const slot = this.slots.get(name) ?? { missing: 'no step that saves it has run' };
      if ('missing' in slot) throw new UnsavedValue(`\`\${{ ${name} }}\` has no value: ${slot.missing}`);
      values.set(name, slot);
    }
    const filled = fillStrings(step, (text) => fillSaved(text, (name) => values.get(name)!.value), true);
    refuseFilledMatchers(step, filled, (name) => values.get(name)!);
    return filled;
  }
}

/**
 * Throws UnsavedValue at the first text matcher of `filled` whose clause the loader would
 * refuse as written: its key path, the loader's words, and each value the clause names
 * with the step that saved it. Only a clause that names a value can be refused here.
 */
function refuseFilledMatchers(written: object, filled: object, saved: (name: string) => { value: string; savedBy: string }, path = ''): void {
  for (const [key, item] of Object.entries(filled)) {
    const before = (written as Record<string, unknown>)[key];
    if (!isTextMatcher(item) || !isTextMatcher(before)) {
      if (item !== null && typeof item === 'object' && before !== null && typeof before === 'object') refuseFilledMatchers(before, item, saved, `${path}${key}.`);
      continue;
    }
    const writtenClauses = clausesOf(before);
    for (const [i, clause] of clausesOf(item).entries()) {
      const names = [...new Set(findSavedRefs(writtenClauses[i].text).refs.map((ref) => ref.name))];
      if (names.length === 0) continue;
      const problem = clauseProblem(clause.key, clause.text, ` once ${names.map((name) => `\`\${{ ${name} }}\``).join(', ')} ${names.length > 1 ? 'are' : 'is'} filled in`);
      if (!problem) continue;
      const values = names.map((name) => {
        const { value, savedBy } = saved(name);
        return `\`${name}\` is ${value === '' ? 'empty' : JSON.stringify(value)}: ${savedBy} saved it`;
      });
      throw new UnsavedValue(`${path}${key}.${clause.path}: ${problem}; ${values.join('; ')}`);
    }
  }
}

/** A copy of `value` with `fill` applied to every string in it (at the top, not to NOT_FILLED keys). */
function fillStrings<T>(value: T, fill: (text: string) => string, top = false): T {
  if (typeof value === 'string') return fill(value) as T;
  if (Array.isArray(value)) return value.map((item) => fillStrings(item, fill)) as T;
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).map(([key, item]) => [key, top && NOT_FILLED.has(key) ? item : fillStrings(item, fill)]);
  return Object.fromEntries(entries) as T;
}
