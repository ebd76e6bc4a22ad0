// Steps of a scenario: what every step has (its kind's key, `name`, `within`, `every`,
// `when`, per-version `expect:` lists); the kinds themselves, and what each reads, are
// the harness's step kinds (harness/checks/kinds.ts).
// As everywhere in the loader, a reader may return a partly read value after recording
// an error: the file is then refused as a whole, so that value is never used.
import { extraKeys } from '../checks/kind.js';
import { STEP_KINDS, stepKindNamed } from '../checks/kinds.js';
import type { Fields, Reader, Value } from '../scenario/read.js';
import { isVariantList, readCondition, readVariants } from './read-when.js';
import { SavedNames } from './saved-uses.js';
import { ONE_GUEST, type StepGuests } from './read-guests.js';
import { nearest } from '../util/nearest.js';
import type { StepBase } from '../scenario/types.js';
import type { Step } from './scenario.js';

const COMMON_KEYS = ['name', 'within', 'every', 'when'] as const;
const DEFAULT_EVERY_MS = 1000;

const ALL_KINDS: string[] = STEP_KINDS.map((kind) => kind.name);

export function readSteps(r: Reader, v: Value, guests: StepGuests): Step[] {
  const items = r.items(v, 'a list of steps');
  if (!items) return [];
  if (items.length === 0) r.fail(v.at, v.path, 'a scenario needs at least one step');
  const saved = new SavedNames();
  return items.flatMap((item, index) => {
    const step = readStep(r, item, guests, index === 0);
    const uses = saved.usesOf(r, item);
    if (!step) return [];
    return [uses.length ? { ...step, uses } : step];
  });
}

function readStep(r: Reader, v: Value, guests: StepGuests, first: boolean): Step | undefined {
  const entries = r.entries(v, 'a step')?.filter(([key, value]) => {
    // said here, not as an unknown key: `on:` is a step's key once there are several guests
    if (key === 'on' && !guests.several) r.failAtKey(value, '`on:` names one of the guests under `guests:`; this scenario has one guest, where every step runs');
    return key !== 'on' || guests.several;
  });
  if (!entries) return undefined;
  const kinds = entries.filter(([key]) => ALL_KINDS.includes(key));
  if (kinds.length === 0) return reportMissingKind(r, v, entries);
  if (kinds.length > 1) {
    const [second, extra] = kinds[1];
    return r.failAtKey(extra, `a step does one thing; this one has both \`${kinds[0][0]}\` and \`${second}\``);
  }
  const [kind, subject] = kinds[0];
  const stepKind = stepKindNamed(kind)!;
  const fields = r.keep(v, entries, [kind, ...COMMON_KEYS, ...(guests.several ? ['on'] : []), ...extraKeys(stepKind)], `a \`${kind}\` step`);
  const nameField = fields.get('name');
  const explicitName = nameField && r.nonEmptyString(nameField, 'a step name');
  const on = readOn(r, fields, v, guests);
  const services = guests.services.get(on ?? ONE_GUEST);
  const timing = readTiming(r, fields);
  const whenField = fields.get('when');
  const when = whenField && readCondition(r, whenField);
  const base = (defaultName: string): StepBase => ({
    name: explicitName ?? defaultName,
    at: v.at,
    ...(on !== undefined ? { on } : {}),
    ...timing,
    ...(when ? { when } : {}),
  });
  const readWith = (withFields: Fields) => stepKind.read({ r, kind, subject, fields: withFields, base, services, first }) as Step | undefined;
  const expectField = fields.get('expect');
  if (isVariantList(expectField)) {
    return readVariants({ r, kind, fields, scalarExpect: stepKind.scalarExpect ?? false, readWith }, expectField);
  }
  return readWith(fields);
}

function reportMissingKind(r: Reader, v: Value, entries: Array<[string, Value]>): undefined {
  const allKeys = [...ALL_KINDS, ...COMMON_KEYS, ...new Set(STEP_KINDS.flatMap((kind) => extraKeys(kind)))];
  const before = r.errors.length;
  r.keep(v, entries, allKeys, 'a step');
  // An unknown key such as `runn:` already says what is wrong, with a hint.
  if (r.errors.length === before) r.fail(v.at, v.path, `a step needs one of: ${ALL_KINDS.join(', ')}`);
  return undefined;
}

/** `on: NAME`, the guest a step runs on: required with `guests:`, refused without. */
function readOn(r: Reader, fields: Fields, step: Value, guests: StepGuests): string | undefined {
  const field = fields.get('on');
  const names = [...guests.services.keys()];
  if (!guests.several) return undefined;
  if (!field) return r.fail(step.at, step.path, `with several guests a step says which one it runs on: \`on:\` one of ${names.join(', ')}`);
  const name = r.nonEmptyString(field, 'a guest name');
  if (name === undefined || guests.services.has(name)) return name;
  const hint = nearest(name, names);
  return r.fail(field.at, field.path, `no guest is named ${name}${hint ? ` (did you mean ${hint}?)` : ''}; the guests: ${names.join(', ')}`);
}

function readTiming(r: Reader, fields: Fields): Pick<StepBase, 'withinMs' | 'everyMs'> {
  const within = fields.get('within');
  const every = fields.get('every');
  const withinMs = within && r.duration(within);
  const everyMs = every && r.duration(every);
  if (every && !within) r.failAtKey(every, '`every` only makes sense with `within` (how long to retry)');
  const timing: Pick<StepBase, 'withinMs' | 'everyMs'> = { everyMs: everyMs ?? DEFAULT_EVERY_MS };
  if (withinMs !== undefined) timing.withinMs = withinMs;
  return timing;
}
