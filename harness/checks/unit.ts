// `unit:` — properties of a unit as `systemctl show` reports them.
import { shellQuote } from '../util/quote.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { StepBase, TextMatcher } from '../scenario/types.js';
import type { Reader, Value } from '../scenario/read.js';
import { readTextMatcher } from '../scenario/read-matchers.js';
import { readServiceCheck, SERVICE_SUBJECT, type StepInput, type StepKind } from './kind.js';
import { CheckError, observing, verdict, type CheckContext, type CheckResult } from './context.js';
import { observedProperty } from './observe.js';
import type { Guest } from '../guest/guest.js';

export interface UnitStep extends StepBase {
  kind: 'unit';
  service: string;
  /** systemctl show property → matcher */
  expect: Record<string, TextMatcher>;
}

export const unitKind: StepKind<UnitStep> = {
  name: 'unit',
  read: readUnitStep,
  check: checkUnit,
  schema: {
    subject: SERVICE_SUBJECT,
    expect: { type: 'object', minProperties: 1, propertyNames: { pattern: '^[A-Za-z]+$' }, additionalProperties: { $ref: '#/definitions/textMatcher' } },
    expectRequired: true,
    expectDescription: 'systemctl show properties, e.g. {ActiveState: active}; booleans mean yes/no; a unit systemd does not know is an error unless LoadState is expected',
  },
};

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

/**
 * For a unit systemd does not know, `systemctl show` prints its defaults and exits 0:
 * a step reading them would check nothing. Such a unit is a CheckError naming it.
 */
export function requireKnownUnit(unit: string, properties: ReadonlyMap<string, string>): void {
  const loadState = properties.get('LoadState');
  if (loadState !== 'not-found') return;
  throw new CheckError(`systemd does not know ${unit} (LoadState=not-found): its properties and journal would be empty defaults, so there is nothing to check; was its unit file removed?`);
}

export async function checkUnit(step: UnitStep, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(step.service);
  const names = Object.keys(step.expect);
  // A step that expects a LoadState asks about the loading itself: not-found is its answer.
  const properties = await unitProperties(ctx.guest, unit, names.includes('LoadState') ? names : [...names, 'LoadState'], ctx.commandTimeoutMs());
  if (!names.includes('LoadState')) requireKnownUnit(unit, properties);
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

function readUnitStep(input: StepInput): UnitStep | undefined {
  return readServiceCheck(input, 'unit', '{ActiveState: active}', readUnitExpect);
}

function readUnitExpect(r: Reader, v: Value): Record<string, TextMatcher> | undefined {
  const entries = r.entries(v, 'systemctl properties to expect');
  if (!entries) return undefined;
  if (entries.length === 0) return r.fail(v.at, v.path, 'expected at least one systemctl property, e.g. ActiveState: active');
  const expect: Record<string, TextMatcher> = {};
  for (const [property, value] of entries) {
    if (!/^[A-Za-z]+$/.test(property)) {
      r.failAtKey(value, `"${property}" is not a systemctl property name (letters only, e.g. ActiveState)`);
      continue;
    }
    // systemctl show prints yes/no, so `NoNewPrivileges: true` should mean what it says.
    const matcher = readTextMatcher(r, value, { booleans: ['yes', 'no'] });
    if (matcher) expect[property] = matcher;
  }
  return expect;
}
