// What a scenario says of its guests: one guest's settings (`vm:`, `files:`, `sysctl:`,
// `services:`, `packages:`) at the top level, or under `guests:` a guest each, named, on one private
// network (reference: docs/scenarios.md, "Several guests").
import { optionalField, type Fields, type Reader, type Value } from '../scenario/read.js';
import type { Location } from '../scenario/types.js';
import { readPackageNames } from '../scenario/package-names.js';
import { readServices } from './read-services.js';
import { readFiles, readSysctl, readVm } from './read-settings.js';
import type { GuestSpec } from './scenario.js';

/** The keys a guest has: at the top level of a one-guest scenario, or under `guests.NAME`. */
export const GUEST_KEYS = ['vm', 'files', 'sysctl', 'services', 'packages'] as const;
/** The one guest of a scenario without `guests:`, and its host name. */
export const ONE_GUEST = 'guest';
/** A guest's name is its host name on the private network. */
const GUEST_NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** The most guests one scenario may have (each its own QEMU; a few are the point). */
export const MAX_GUESTS = 8;

/** What steps need of the guests: which there are, and each one's declared services. */
export interface StepGuests {
  /** Written with `guests:`: every step says `on:` which guest it runs on. */
  several: boolean;
  /** Guest name → its declared services (undefined: its `services:` could not be read). */
  services: Map<string, ReadonlySet<string> | undefined>;
}

/** One guest's settings from `fields` (the scenario's own, or a `guests:` entry's). */
export function readGuestSettings(r: Reader, fields: Fields, name: string, at: Location, image?: string): { spec: GuestSpec; serviceNames?: ReadonlySet<string> } {
  const vm = optionalField(fields, 'vm', (v) => readVm(r, v)) ?? {};
  const files = optionalField(fields, 'files', (v) => readFiles(r, v)) ?? {};
  const sysctl = optionalField(fields, 'sysctl', (v) => readSysctl(r, v)) ?? {};
  const servicesField = fields.get('services');
  const services = servicesField ? readServices(r, servicesField) : { specs: [], names: new Set<string>() };
  const packages = optionalField(fields, 'packages', (v) => readPackageNames(r, v, 'packages the guest needs installed')) ?? [];
  const spec: GuestSpec = { name, vm, files, sysctl, services: services.specs, packages, at, ...(image !== undefined ? { image } : {}) };
  return { spec, serviceNames: services.names };
}

/**
 * `guests:` — at least two, each named as a host, each with the keys of a one-guest
 * scenario plus an `image:` of its own. `readImage` checks that image as `image:` is.
 */
export function readGuests(r: Reader, v: Value, readImage: (v: Value) => string | undefined): { guests: GuestSpec[]; steps: StepGuests } {
  const steps: StepGuests = { several: true, services: new Map() };
  const entries = r.entries(v, 'guests (NAME: its settings)');
  if (!entries) return { guests: [], steps };
  if (entries.length < 2) {
    r.fail(v.at, v.path, '`guests:` is for two guests or more; a scenario with one guest writes its vm, files, sysctl and services at the top level');
  }
  if (entries.length > MAX_GUESTS) r.fail(v.at, v.path, `at most ${MAX_GUESTS} guests (each is a QEMU of its own)`);
  const guests: GuestSpec[] = [];
  for (const [name, value] of entries) {
    if (!GUEST_NAME.test(name)) {
      r.failAtKey(value, `"${name}" cannot be a guest's name, which is its host name: a lowercase letter, then lowercase letters, digits and "-" (31 at most)`);
    }
    const fields = r.fields(value, ['image', ...GUEST_KEYS], `guest ${name}`);
    steps.services.set(name, undefined);
    if (!fields) continue;
    const imageField = fields.get('image');
    const image = imageField && readImage(imageField);
    const { spec, serviceNames } = readGuestSettings(r, fields, name, value.keyAt ?? value.at, image);
    steps.services.set(name, serviceNames);
    guests.push(spec);
  }
  return { guests, steps };
}
