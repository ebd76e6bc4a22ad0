// Values carried across steps: a `run` step's `save: NAME` keeps its output, and a later
// step's text says `${{ NAME }}` where it goes. `${{` is no valid shell (bash calls it a
// bad substitution), so a reference never collides with a command's own `$VAR`, `${VAR}`
// or `$((…))`; Go templates' `{{.Id}}` lack the `$`. Pure text work; the loader checks the
// names (load/saved-uses.ts), the run fills the values in (runner/saved-values.ts).

/** A saved value's name: what `save:` takes and `${{ … }}` names. */
export const SAVED_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const SAVED_NAME_WORDS = 'letters, digits, _ and -';

const OPENING = '${{';
// Sticky: a reference must start exactly where its `${{` does.
const REFERENCE = /\$\{\{[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\}\}/y;

export interface SavedRef {
  name: string;
  /** Where its `${{` starts in the text. */
  index: number;
}

/** The references in `text`, and where a `${{` starts something that is not one. */
export function findSavedRefs(text: string): { refs: SavedRef[]; malformed: number[] } {
  const refs: SavedRef[] = [];
  const malformed: number[] = [];
  for (let index = text.indexOf(OPENING); index >= 0; index = text.indexOf(OPENING, index + 1)) {
    REFERENCE.lastIndex = index;
    const match = REFERENCE.exec(text);
    if (match) refs.push({ name: match[1], index });
    else malformed.push(index);
  }
  return { refs, malformed };
}

/** `text` with every reference replaced by its value. */
export function fillSaved(text: string, value: (name: string) => string): string {
  return text.replace(new RegExp(REFERENCE.source, 'g'), (_, name: string) => value(name));
}
