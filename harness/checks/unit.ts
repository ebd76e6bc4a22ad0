// `unit:` — properties of a unit as `systemctl show` reports them.
import { shellQuote } from '../guest/quote.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { UnitStep } from '../scenario/types.js';
import { observing, verdict, type CheckContext, type CheckResult } from './context.js';
import { observedProperty } from './observe.js';
import type { Guest } from '../guest/guest.js';

/** `systemctl show -p A -p B UNIT` as a map. */
export async function unitProperties(guest: Guest, unit: string, names: string[], timeoutMs: number): Promise<Map<string, string>> {
  const flags = names.map((n) => `-p ${shellQuote(n)}`).join(' ');
  const text = await guest.succeed(`systemctl show ${flags} -- ${shellQuote(unit)}`, { timeoutMs });
  const properties = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) properties.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return properties;
}

export async function checkUnit(step: UnitStep, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(step.service);
  const names = Object.keys(step.expect);
  const properties = await unitProperties(ctx.guest, unit, names, ctx.commandTimeoutMs());
  const mismatches: string[] = [];
  for (const name of names) {
    const actual = properties.get(name);
    if (actual === undefined) {
      mismatches.push(`${name}: systemd reports no such property for ${unit}`);
      continue;
    }
    const match = matchText(step.expect[name], actual);
    if (!match.ok) mismatches.push(describeMismatch(name, match.expected, actual));
  }
  const output = [`$ systemctl show ${unit}`, ...names.map((n) => `${n}=${properties.get(n) ?? '(none)'}`)].join('\n');
  const observed = Object.fromEntries(names.map((n) => [n, properties.has(n) ? observedProperty(n, properties.get(n)!) : null]));
  return observing(verdict(mismatches, output), observed);
}
