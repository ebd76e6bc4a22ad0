// `type:` and `key:` — what a person at the guest's keyboard does: type text, or press a
// combination such as ctrl-alt-delete or alt-F2. The keys go to the foreground virtual
// console through QEMU's keyboard (QMP input-send-event, paced: vm/keys.ts), as NixOS's
// send_chars and send_key do.
// A `screen:` step then waits for what the console shows (screen.ts).
import type { StepBase } from '../scenario/types.js';
import type { Reader, Value } from '../scenario/read.js';
import { isScalar } from 'yaml';
import { KeyError, parseCombination, textCombinations } from '../vm/keys.js';
import type { StepInput, StepKind } from './kind.js';
import { observing, verdict, type CheckContext, type CheckResult } from './context.js';
import { readScreen } from './screen.js';

export interface TypeStep extends StepBase {
  kind: 'type';
  text: string;
  combinations: string[][];
}

export interface KeyStep extends StepBase {
  kind: 'key';
  /** As written: `ctrl-alt-delete`. */
  written: string[];
  combinations: string[][];
}

/** A combination as written: key names joined by "-". */
const COMBINATION_PATTERN = '^[A-Za-z0-9_]+(-[A-Za-z0-9_]+)*$';
const NO_RETRY = 'typing twice is not waiting: `within` belongs on the `screen:` step that waits for what the keys did';

export const typeKind: StepKind<TypeStep> = {
  name: 'type',
  read: readTypeStep,
  check: (step, ctx) => press(step.combinations, `type ${JSON.stringify(step.text)}`, { typed: step.text }, ctx),
  // keys that were not typed leave the console where no later step expects it
  gating: true,
  schema: {
    subject: {
      description: 'type this text on the guest\'s keyboard, into the foreground virtual console (US layout; "\\n" is Enter); `key:` presses special keys',
      type: 'string',
      minLength: 1,
    },
  },
};

export const keyKind: StepKind<KeyStep> = {
  name: 'key',
  read: readKeyStep,
  check: (step, ctx) => press(step.combinations, `key ${step.written.join(' ')}`, { pressed: step.written }, ctx),
  gating: true,
  schema: {
    subject: {
      description: 'press a key combination on the guest\'s keyboard (QEMU key names joined by "-": ctrl-alt-delete, alt-f2, ret), or a list of them in turn',
      anyOf: [
        { type: 'string', pattern: COMBINATION_PATTERN },
        { type: 'array', minItems: 1, items: { type: 'string', pattern: COMBINATION_PATTERN } },
      ],
    },
  },
};

/** Records the foreground console as the keys met it, then presses them. */
async function press(combinations: string[][], what: string, observed: Record<string, string | string[]>, ctx: CheckContext): Promise<CheckResult> {
  const before = await readScreen(ctx, 'tty0');
  await ctx.console.press(combinations);
  const output = [`$ ${what}`, '[the foreground console before]', before.text].join('\n');
  return observing(verdict([], output), { ...observed, screenBefore: before.text });
}

function readTypeStep({ r, subject, fields, base }: StepInput): TypeStep | undefined {
  refuseRetry(r, fields.get('within'));
  const text = r.nonEmptyString(subject, 'the text to type');
  if (text === undefined) return undefined;
  const combinations = keysOf(r, subject, () => textCombinations(text));
  if (!combinations) return undefined;
  return { kind: 'type', ...base(`type ${JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text)}`), text, combinations };
}

function readKeyStep({ r, subject, fields, base }: StepInput): KeyStep | undefined {
  refuseRetry(r, fields.get('within'));
  const written = isScalar(subject.node) ? [r.nonEmptyString(subject, 'a key combination')] : r.stringList(subject, 'key combinations');
  if (!written || written.some((w) => w === undefined)) return undefined;
  const names = written as string[];
  const combinations = keysOf(r, subject, () => names.map(parseCombination));
  if (!combinations) return undefined;
  return { kind: 'key', ...base(`key ${names.join(' ')}`), written: names, combinations };
}

function keysOf(r: Reader, subject: Value, make: () => string[][]): string[][] | undefined {
  try {
    return make();
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    return r.fail(subject.at, subject.path, err.message);
  }
}

function refuseRetry(r: Reader, within: Value | undefined): void {
  if (within) r.failAtKey(within, NO_RETRY);
}
