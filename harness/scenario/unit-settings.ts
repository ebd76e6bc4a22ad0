// How systemd reads the unit settings the harness looks at itself.

const TRUE_WORDS = ['1', 'yes', 'y', 'true', 't', 'on'];
const FALSE_WORDS = ['0', 'no', 'n', 'false', 'f', 'off'];

/** A boolean setting as systemd's parse_boolean() reads it; undefined when it is no boolean. */
export function systemdBoolean(value: string): boolean | undefined {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  return undefined;
}

/** A boolean setting that is true (anything else, unreadable included, is false here). */
export function systemdTrue(value: string): boolean {
  return systemdBoolean(value) === true;
}
