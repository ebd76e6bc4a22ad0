// The step part of schema/scenario.schema.json, made from the step kinds: one definition
// per kind (`runStep`, …) and `step`, which is exactly one of them. `npm run schema`
// writes it into the file; a unit test fails while the file and the kinds disagree.
import type { JsonSchema, SomeStepKind } from './kind.js';
import { STEP_KINDS } from './kinds.js';

/** What every step may carry besides its kind's keys. */
const COMMON: Record<string, JsonSchema> = {
  name: { type: 'string', description: 'the JUnit testcase name', pattern: '\\S' },
  on: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,30}$', description: 'the guest it runs on: one of `guests:` (required there, refused without)' },
  within: { $ref: '#/definitions/duration', description: 'retry the step until it holds or this runs out' },
  every: { $ref: '#/definitions/duration', description: 'how often to retry within `within` (default 1s)' },
};
const WHEN: JsonSchema = { $ref: '#/definitions/when' };
const WHEN_DESCRIPTION =
  'the package versions this is for: Debian package name → version range, e.g. {systemd: ">=257"}; all must hold. Elsewhere the step is skipped, with the reason.';

/** `definitions` entries for the steps; `definitions` is the file's own, to look up `$ref`s. */
export function stepDefinitions(definitions: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const kind of STEP_KINDS) out[`${kind.name}Step`] = kindDefinition(kind, definitions);
  out.step = {
    type: 'object',
    description: `one action or assertion: exactly one of ${STEP_KINDS.map((kind) => kind.name).join(', ')}`,
    properties: Object.fromEntries(allKeys().map(([key, schema]) => [key, { description: schema.description ?? '' }])),
    additionalProperties: false,
    oneOf: STEP_KINDS.map((kind) => ({ $ref: `#/definitions/${kind.name}Step` })),
  };
  return out;
}

/** Every key any step may have, in the order of the kinds, with what it means. */
function allKeys(): Array<[string, JsonSchema]> {
  const keys = new Map<string, JsonSchema>(Object.entries(COMMON));
  for (const kind of STEP_KINDS) {
    keys.set(kind.name, { description: kind.schema.subject.description ?? `a \`${kind.name}\` step` });
    for (const [key, schema] of Object.entries(kind.schema.keys ?? {})) keys.set(key, schema);
    if (kind.schema.expect) keys.set('expect', { description: '' });
  }
  keys.set('when', { description: WHEN_DESCRIPTION });
  return [...keys];
}

function kindDefinition(kind: SomeStepKind, definitions: Record<string, JsonSchema>): JsonSchema {
  const { schema } = kind;
  const properties: Record<string, JsonSchema> = { ...COMMON, [kind.name]: schema.subject, ...schema.keys };
  if (schema.expect) {
    properties.expect = {
      description: schema.expectDescription ?? '',
      anyOf: [
        schema.expect,
        {
          type: 'array',
          minItems: 1,
          items: kind.scalarExpect ? scalarVariant(schema.expect) : objectVariant(schema.expect, definitions),
          description: `per-version expectations: each item is \`when:\` beside what \`expect:\` holds for a \`${kind.name}\` step; the first whose \`when:\` holds applies; only the last may leave out \`when:\``,
        },
      ],
    };
  }
  properties.when = WHEN;
  const required = [kind.name, ...(schema.expectRequired ? ['expect'] : [])];
  return { type: 'object', additionalProperties: false, required, properties, dependencies: { every: ['within'] }, ...schema.rules };
}

/** A one-word expectation in a per-version list: `{when: …, is: WORD}`. */
function scalarVariant(expect: JsonSchema): JsonSchema {
  return { type: 'object', additionalProperties: false, required: ['is'], properties: { when: WHEN, is: expect } };
}

/** A map expectation in a per-version list: the map's own keys beside `when:`. */
function objectVariant(expect: JsonSchema, definitions: Record<string, JsonSchema>): JsonSchema {
  const map = mapForm(expect, definitions);
  return { ...map, properties: { ...(map.properties as JsonSchema | undefined), when: WHEN } };
}

/** The map alternative of an expectation, through a `$ref` and an `anyOf`. */
function mapForm(schema: JsonSchema, definitions: Record<string, JsonSchema>): JsonSchema {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/definitions/', '');
    const target = definitions[name];
    if (!target) throw new Error(`the schema has no definition ${name}`);
    return mapForm(target, definitions);
  }
  if (Array.isArray(schema.anyOf)) {
    const map = (schema.anyOf as JsonSchema[]).find((alternative) => alternative.type === 'object');
    if (!map) throw new Error(`no map form among ${JSON.stringify(schema.anyOf)}`);
    return map;
  }
  return schema;
}
