// How systemd reads the unit settings the harness looks at itself.

/** A boolean setting: yes/true/on/1 are true (anything else is false here). */
export function systemdTrue(value: string): boolean {
  return ['yes', 'true', 'on', '1'].includes(value.trim().toLowerCase());
}
