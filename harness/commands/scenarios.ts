// Which scenarios a command works on: the files or folders given (default scenarios/),
// each overlay merged in, then --grep and --shard. Shared by run, validate, list, shell
// and show-unit, so they all read scenarios alike.
import { loadScenarios } from '../load/load.js';
import { applyOverlay, loadOverlayFile, type Overlay } from '../load/overlay.js';
import type { Scenario } from '../load/scenario.js';
import { ScenarioErrors, type ScenarioError } from '../scenario/errors.js';
import { listImages } from '../vm/image.js';
import { imageNamesFromOption, recipeImageNames } from '../vm/recipes.js';
import { parseShard, readDurations, selectShard } from '../runner/shard.js';
import { imagesDir, REPO_ROOT, text, UsageError, type Values } from './command.js';

export const SELECT_OPTIONS = {
  grep: { type: 'string' },
  overlay: { type: 'string', multiple: true },
  'images-dir': { type: 'string' },
} as const;

export const SHARD_OPTIONS = { shard: { type: 'string' }, 'shard-durations': { type: 'string' } } as const;

export const SHARD_HELP = `  --shard I/N        the I-th of N shares of the scenarios, balanced (greedy,
                     longest first) by step count or by --shard-durations
  --shard-durations FILE
                     a JUnit report of an earlier run: its suite times weigh the shares`;

export const SELECT_HELP = `  --grep RE          only scenarios whose name or a tag matches RE
  --overlay FILE     merge FILE's files:, sysctl: and vm.kernelParams (and
                     removeSysctl:, vm.removeKernelParams) into every scenario;
                     repeatable, in order;
                     the overlay wins where both set a file or sysctl (docs/scenarios.md)`;

/** Loads the scenarios; on errors prints each, calls `onErrors` with them, and returns undefined. */
export async function selectScenarios(paths: string[], values: Values, onErrors?: (messages: string[]) => Promise<void>): Promise<Scenario[] | undefined> {
  const grep = grepOf(values);
  const shard = text(values, 'shard') === undefined ? undefined : parse(() => parseShard(text(values, 'shard')!));
  if (text(values, 'shard-durations') !== undefined && !shard) throw new UsageError('--shard-durations needs --shard I/N');
  const knownImages = await knownImageNames(values);
  const found = await loadScenarios(paths.length ? paths : ['scenarios'], {
    knownImages: values.image !== undefined ? undefined : knownImages.length ? knownImages : undefined,
  });
  const overlays = await loadOverlays((values.overlay as string[] | undefined) ?? [], found.errors);
  if (found.errors.length) {
    for (const error of found.errors) process.stderr.write(`${error.message}\n`);
    process.stderr.write(`${found.errors.length} error(s); nothing was run\n`);
    await onErrors?.(found.errors.map((e) => e.message));
    return undefined;
  }
  let scenarios = found.scenarios.map((scenario) => overlays.reduce(applyOverlay, scenario));
  if (grep) scenarios = scenarios.filter((s) => grep.test(s.name) || s.tags.some((t) => grep.test(t)));
  if (shard) {
    const file = text(values, 'shard-durations');
    const durations = file === undefined ? undefined : await readDurations(file).catch((err: Error) => Promise.reject(new UsageError(err.message)));
    scenarios = selectShard(scenarios, shard, durations, values.image !== undefined ? () => 1 : undefined);
  }
  return scenarios;
}

/** The images a scenario or `--image` may name: each one a recipe builds, built or not yet
 *  (a run that needs one not built says how to build it), and each one already built. */
async function knownImageNames(values: Values): Promise<string[]> {
  return [...new Set([...(await recipeImageNames(REPO_ROOT)), ...(await listImages(imagesDir(values)))])].sort();
}

/** `--image a,b` / `--image all` → image names, each one known as a scenario's `image:` is. */
export async function resolveImages(values: Values): Promise<string[] | undefined> {
  const value = text(values, 'image');
  if (value === undefined) return undefined;
  const known = await knownImageNames(values);
  return parse(() => imageNamesFromOption(value, known));
}

/** The one scenario a command such as shell works on. */
export async function oneScenario(command: string, paths: string[], values: Values): Promise<Scenario | undefined> {
  const scenarios = await selectScenarios(paths.slice(0, 1), values);
  if (!scenarios) return undefined;
  if (scenarios.length !== 1) throw new UsageError(`${command} needs one scenario file, ${paths[0]} holds ${scenarios.length}`);
  return scenarios[0];
}

function grepOf(values: Values): RegExp | undefined {
  const source = text(values, 'grep');
  return source === undefined ? undefined : parse(() => new RegExp(source), '--grep: ');
}

/** The overlays of --overlay, in order; their problems join the scenarios' errors. */
async function loadOverlays(files: string[], errors: ScenarioError[]): Promise<Overlay[]> {
  const overlays: Overlay[] = [];
  for (const file of files) {
    try {
      overlays.push(await loadOverlayFile(file));
    } catch (err) {
      if (!(err instanceof ScenarioErrors)) throw err;
      errors.push(...err.errors);
    }
  }
  return overlays;
}

/** A value read by a function that throws plain errors, whose message is a usage error. */
function parse<T>(read: () => T, prefix = ''): T {
  try {
    return read();
  } catch (err) {
    throw new UsageError(`${prefix}${(err as Error).message}`);
  }
}
