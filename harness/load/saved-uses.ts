// The saved values a step uses (`${{ NAME }}` in its text), checked where they are
// written: each must name a value an earlier step saves, and none may stand where the
// run would not fill it in. The syntax itself is scenario/saved.ts.
import { isScalar } from 'yaml';
import type { Reader, Value } from '../scenario/read.js';
import { findSavedRefs, SAVED_NAME, SAVED_NAME_WORDS } from '../scenario/saved.js';
import { nearest } from '../util/nearest.js';

const OPENING = '${{';
/** The step's own keys whose text is not filled: what names it, times it, or saves. */
const STEP_KEYS_NOT_FILLED = ['name', 'save', 'within', 'every'];
/** Keys at any depth whose text is not filled, and what to say about it. */
const KEYS_NOT_FILLED: Record<string, string> = {
  when: '',
  matches: ' (a regular expression); use equals, contains or notContains',
};

/** The names of values a scenario's steps save, in step order, as the loader meets them. */
export class SavedNames {
  private readonly saved = new Set<string>();

  /** Checks one step's uses against the steps before it; returns the names it uses. */
  usesOf(r: Reader, step: Value): string[] {
    const uses = new Set<string>();
    const own = ownSave(r, step);
    const check = (v: Value, text: string) => {
      const { refs, malformed } = findSavedRefs(text);
      const openings = [...refs.map((ref) => ref.index), ...malformed].sort((a, b) => a - b);
      const at = (index: number) => r.within(v, OPENING, openings.indexOf(index));
      for (const index of malformed) {
        r.fail(at(index), v.path, `\`${OPENING}\` begins a saved value: write \`${OPENING} NAME }}\`, NAME of ${SAVED_NAME_WORDS}`);
      }
      for (const { name, index } of refs) {
        if (this.saved.has(name)) uses.add(name);
        else r.fail(at(index), v.path, this.unknown(name, own));
      }
    };
    walk(r, step, true, check);
    if (own !== undefined) this.saved.add(own);
    return [...uses];
  }

  private unknown(name: string, own: string | undefined): string {
    const problem = `no earlier step saves \`${name}\``;
    if (name === own) return `${problem}: this step's own \`save: ${name}\` holds only after it has run`;
    const near = nearest(name, [...this.saved]);
    if (near) return `${problem}; did you mean \`${near}\`?`;
    return `${problem} (\`save: ${name}\` on a \`run\` step before this one keeps its output)`;
  }
}

/** The step's `save:` as written, when it is a usable name (its errors are its reader's). */
function ownSave(r: Reader, step: Value): string | undefined {
  const field = r.children(step).find((child) => child.key === 'save')?.value;
  const name = isScalar(field?.node) ? field.node.value : undefined;
  return typeof name === 'string' && SAVED_NAME.test(name) ? name : undefined;
}

/** Calls `check` on every text in the subtree that the run fills; refuses references elsewhere. */
function walk(r: Reader, v: Value, stepLevel: boolean, check: (v: Value, text: string) => void): void {
  if (isScalar(v.node) && typeof v.node.value === 'string') return check(v, v.node.value);
  for (const { key, keyNode, value } of r.children(v)) {
    const keyText = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof keyText === 'string' && keyText.includes(OPENING)) {
      r.failAtKey(value, 'saved values are not replaced in keys');
      continue;
    }
    if (key !== undefined && ((stepLevel && STEP_KEYS_NOT_FILLED.includes(key)) || Object.hasOwn(KEYS_NOT_FILLED, key))) {
      const problem = `saved values are not replaced in \`${key}\`${(Object.hasOwn(KEYS_NOT_FILLED, key) ? KEYS_NOT_FILLED[key] : '')}`;
      walk(r, value, false, (text, written) => {
        if (written.includes(OPENING)) r.fail(r.within(text, OPENING, 0), text.path, problem);
      });
      continue;
    }
    walk(r, value, false, check);
  }
}
