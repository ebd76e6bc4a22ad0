// What every command shares: its own option table, `COMMAND --help`, usage errors, and
// where the checkout's images are. Each command is a file beside this one; cli.ts only
// dispatches.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT } from '../runner/run.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** A checkout keeps its images beside the code; an installed package (under node_modules)
 *  is no place to build them, so there the user's project folder is where they live. */
export const DEFAULT_IMAGES = REPO_ROOT.split(path.sep).includes('node_modules') ? path.resolve('images/out') : path.join(REPO_ROOT, 'images/out');

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  name: string;
  /** `run [PATH…]`: how it is called, without the options. */
  synopsis: string;
  /** What it does, in a line or two (the overview's text). */
  summary: string;
  /** More, for `COMMAND --help` only. */
  details?: string;
  options: Options;
  /** The options' help lines, as `COMMAND --help` prints them. */
  optionsHelp: string;
  run(values: Values, positionals: string[]): Promise<number>;
}

/** The command's usage: synopsis, summary and its own options. */
export function commandUsage(command: Command): string {
  const options = command.optionsHelp ? `\n\noptions:\n${command.optionsHelp}` : '';
  return `usage: harness ${command.synopsis} [options]\n\n${command.details ?? command.summary}${options}\n  -h, --help         this text`;
}

/** Parses `argv` against the command's own table: another command's option is an error. */
export async function runCommand(command: Command, argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...command.options, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    return usageFailure(command, (err as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${commandUsage(command)}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(parsed.values, parsed.positionals);
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(command, err.message);
    // The message says what went wrong; the stack is for whoever debugs the harness itself.
    const error = err as Error;
    process.stderr.write(`harness: ${process.env.HARNESS_DEBUG ? (error.stack ?? String(err)) : (error.message ?? String(err))}\n`);
    return EXIT.infrastructure;
  }
}

function usageFailure(command: Command, message: string): number {
  process.stderr.write(`${message}\n${commandUsage(command)}\n`);
  return EXIT.usage;
}

/** A string option's value, when given. */
export function text(values: Values, key: string): string | undefined {
  return typeof values[key] === 'string' ? (values[key] as string) : undefined;
}

export function positiveInteger(values: Values, key: string): number | undefined {
  const given = text(values, key);
  if (given === undefined) return undefined;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${key} must be a positive whole number, got ${given}`);
  return n;
}

export function imagesDir(values: Values): string {
  return text(values, 'images-dir') ?? process.env.HARNESS_IMAGES ?? DEFAULT_IMAGES;
}

/** Option tables several commands share. */
export const IMAGES_DIR_OPTION = { 'images-dir': { type: 'string' } } as const;
export const IMAGES_DIR_HELP = `  --images-dir DIR   where built images live (default $HARNESS_IMAGES, else images/out:
                     the checkout's, or the current folder's for an installed package)`;
