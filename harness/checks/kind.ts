// A step kind, whole, in the manner of goss's resources: how a step of that kind is read
// from YAML, how it is checked in the guest, and its JSON Schema for editors. Each kind
// lives in one file of this folder that exports its StepKind; kinds.ts lists them. The
// loader, the runner and schema/scenario.schema.json (`npm run schema`) all take the
// kinds from that list, so a new kind is one file and one line there.
import type { Fields, Reader, Value } from '../scenario/read.js';
import { readServiceRef, requireExpect } from '../scenario/read-values.js';
import type { StepBase } from '../scenario/types.js';
import type { CheckContext, CheckResult } from './context.js';

/** A JSON Schema fragment (draft-07), as schema/scenario.schema.json holds it. */
export type JsonSchema = { [key: string]: unknown };

/** What a kind's reader is given. */
export interface StepInput {
  r: Reader;
  kind: string;
  /** The value of the kind's own key, e.g. the command of `run:`. */
  subject: Value;
  fields: Fields;
  /** The common fields, named by the step's `name:` or else by `defaultName`. */
  base: (defaultName: string) => StepBase;
  /** Services declared under `services:`; undefined when that section was unreadable. */
  services?: ReadonlySet<string>;
  /** It is the scenario's first step: nothing has run in a guest since the steps began. */
  first?: boolean;
}

export interface KindSchema {
  /** The kind's own key (its `description` is the hover text of that key). */
  subject: JsonSchema;
  /** The kind's other keys besides `expect`, e.g. `user:` and `in:` of `run`. */
  keys?: Record<string, JsonSchema>;
  /** One `expect:` (a list of per-version ones is made from it). */
  expect?: JsonSchema;
  expectRequired?: boolean;
  expectDescription?: string;
  /** More rules on the step as a whole, e.g. keys that do not combine. */
  rules?: JsonSchema;
}

export interface StepKind<S extends StepBase & { kind: string }> {
  /** The YAML key that makes a step this kind, and the step's `kind`. */
  name: S['kind'];
  /** Reads the step; after recording an error it may return a partly read value (never used). */
  read(input: StepInput): S | undefined;
  check(step: S, ctx: CheckContext): Promise<CheckResult>;
  /** Its failure leaves the scenario without the state later steps assume: they are skipped. */
  gating?: boolean;
  /** Its `expect:` is one word, so a per-version expectation writes it as `is:`. */
  scalarExpect?: boolean;
  schema: KindSchema;
}

/** Any kind, as the registry holds them (methods take their own kind's steps). */
export type SomeStepKind = StepKind<StepBase & { kind: string }>;

/** The keys a kind takes besides its own and the common ones. */
export function extraKeys(kind: SomeStepKind): string[] {
  return [...Object.keys(kind.schema.keys ?? {}), ...(kind.schema.expect ? ['expect'] : [])];
}

/** The schema of a kind whose own key names a service declared under `services:`. */
export const SERVICE_SUBJECT: JsonSchema = { $ref: '#/definitions/serviceRef' };

/** The schema of a map expectation: some of these keys, at least one, no others. */
export function mapExpect(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: 'object', minProperties: 1, additionalProperties: false, properties };
}

/**
 * Reads a step about one declared service whose `expect:` is required (`chroot: probe`,
 * `userns: probe` …); `example` shows a valid `expect:` in the error when there is none.
 */
export function readServiceCheck<K extends string, E>(
  { r, subject, fields, base, services }: StepInput,
  kind: K,
  example: string,
  readExpect: (r: Reader, v: Value) => E | undefined,
): (StepBase & { kind: K; service: string; expect: E }) | undefined {
  const service = readServiceRef(r, subject, services);
  const expectField = requireExpect(r, fields, kind, example);
  const expect = expectField && readExpect(r, expectField);
  if (service === undefined || expect === undefined) return undefined;
  return { kind, ...base(`${kind}: ${service}`), service, expect };
}
