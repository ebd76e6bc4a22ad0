// Argument parsing only: every command hands off to the loader and the runner.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { compareCommand } from './compare/command.js';
import { checkCompatible, createReporter, parseReporterNames, runLogFor, type ReporterName } from './reporters.js';
import { renderJUnit, writeFileAtomically } from './report/junit.js';
import { loadScenarios } from './load/load.js';
import { applyOverlay, loadOverlayFile, type Overlay } from './load/overlay.js';
import { ScenarioErrors, type ScenarioError } from './scenario/errors.js';
import { mutantsCommand } from './mutants/command.js';
import type { Accel } from './scenario/types.js';
import type { Scenario } from './load/scenario.js';
import { EXIT, runScenarios } from './runner/run.js';
import { showUnit, UnknownServiceError } from './runner/show-unit.js';
import { listImages, loadImage } from './vm/image.js';
import { imageNamesFromOption, recipeImageNames } from './vm/recipes.js';
import { chooseAccel, verdictFileIn } from './vm/accel.js';
import { ColdBoot, SnapshotRestore } from './runner/guest-source.js';
import { openShell, preparedGuest, restoreBundle } from './runner/interactive.js';
import { mergeCommand } from './merge-command.js';
import { parseShard, readDurations, selectShard, type Shard } from './shard.js';
import { defaultCacheRoot, SnapshotCache } from './vm/snapshot-cache.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** A checkout keeps its images beside the code; an installed package (under node_modules)
 *  is no place to build them, so there the user's project folder is where they live. */
const DEFAULT_IMAGES = REPO_ROOT.split(path.sep).includes('node_modules') ? path.resolve('images/out') : path.join(REPO_ROOT, 'images/out');

const USAGE = `usage: harness <command> [PATH…] [options]

commands:
  run [PATH…]        run scenarios (files or folders; default scenarios/)
  validate [PATH…]   check scenarios without booting anything
  list [PATH…]       the scenarios and steps that would run
  merge FILE… -o OUT [--markdown FILE]
                     join JUnit reports (e.g. of shards) into one; optionally
                     write the Markdown summary of the whole
  shell SCENARIO     a guest of the scenario's image, set up as its steps find it, and a
                     shell in it (the guest stops when the shell ends)
  repro BUNDLE       land in a failed guest saved with --save-failure, and a shell in it
  cache list|clear    the booted-guest snapshots kept between runs, and where
  show-unit SCENARIO SERVICE
                     boot the scenario's image, set it up, and print the service's unit
                     and drop-ins (confinement included) as written to the guest
  mutants [PATH…]    run the seeded regressions of mutants/catalogue.yaml against the
                     scenarios: which ones the suite catches (harness mutants --help)
  compare OLD.xml NEW.xml [MORE.xml…]
                     what changed between runs (JUnit reports of \`run\`): outcomes, what
                     the guest observed, timings; --format text|markdown|html, -o FILE

options (run):
  --reporter NAMES   list, dot, junit, github, markdown; repeatable or comma-separated
                     (default list,junit). list redraws what runs where on a terminal and
                     prints one line per event in a log (not a TTY, or CI set)
  --junit FILE       JUnit report (default reports/junit.xml)
  --markdown FILE    the markdown reporter's file (default $GITHUB_STEP_SUMMARY when set,
                     appended to; else stdout)
  --image NAME[,NAME…]
                     run every scenario on these images instead of its own, once per
                     image (testsuites "<scenario> [<image>]"); \`all\`: every image the
                     recipes build (images/debian/images.list) and every built one
  --grep RE          only scenarios whose name or a tag matches RE
  --overlay FILE     merge FILE's files:, sysctl: and vm.kernelParams (and
                     vm.removeKernelParams) into every scenario; repeatable, in order;
                     the overlay wins where both set a file or sysctl (also for
                     validate, list, shell and show-unit)
  --workers N        scenarios run side by side (default: from cores and free memory)
  --no-snapshot      boot every scenario's guest cold instead of restoring a snapshot
  --keep-on-failure  leave a failed scenario's guest running, print how to get in, and wait
  --save-failure     save a failed scenario's guest (memory and disk) for harness repro
  --retries N        rerun a scenario up to N times after an infrastructure error
                     (never after a failed assertion); the report marks reruns
  --shard I/N        run the I-th of N shares of the scenarios, balanced (greedy,
                     longest first) by step count or by --shard-durations
  --shard-durations FILE
                     a JUnit report of an earlier run: its suite times weigh the shares
  --accel A          auto | kvm | tcg (default: each scenario's, else auto)
  --images-dir DIR   where built images live (default $HARNESS_IMAGES, else images/out:
                     the checkout's, or the current folder's for an installed package)
options (list):
  --json             machine-readable output

exit status: 0 all passed, 1 a step failed, 2 bad usage or invalid scenario, 3 infrastructure error`;

class UsageError extends Error {}

interface Options {
  junit: string;
  reporters: ReporterName[];
  markdown?: string;
  /** --image as given; resolved against known images by resolveImages. */
  image?: string;
  grep?: RegExp;
  workers?: number;
  retries: number;
  snapshots: boolean;
  keepOnFailure: boolean;
  saveFailure: boolean;
  shard?: Shard;
  shardDurations?: string;
  accel?: Accel;
  imagesDir: string;
  json: boolean;
  overlays: string[];
}

function parseOptions(values: Record<string, string | boolean | string[] | undefined>): Options {
  const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  let reporters: ReporterName[];
  try {
    reporters = parseReporterNames(values.reporter as string[] | undefined);
    checkCompatible(reporters);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const workers = text('workers') === undefined ? undefined : Number(text('workers'));
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new UsageError(`--workers must be a positive whole number, got ${text('workers')}`);
  const retries = Number(text('retries') ?? 0);
  if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`--retries must be a whole number, got ${text('retries')}`);
  const accel = text('accel');
  if (accel !== undefined && !['auto', 'kvm', 'tcg'].includes(accel)) throw new UsageError(`--accel must be auto, kvm or tcg, got ${accel}`);
  let shard: Options['shard'];
  const shardText = text('shard');
  if (shardText !== undefined) {
    try {
      shard = parseShard(shardText);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (text('shard-durations') !== undefined && !shard) throw new UsageError('--shard-durations needs --shard I/N');
  let grep: RegExp | undefined;
  const grepText = text('grep');
  if (grepText !== undefined) {
    try {
      grep = new RegExp(grepText);
    } catch (err) {
      throw new UsageError(`--grep: ${(err as Error).message}`);
    }
  }
  return {
    junit: text('junit') ?? 'reports/junit.xml',
    reporters,
    markdown: text('markdown'),
    image: text('image'),
    grep,
    workers,
    retries,
    snapshots: values['no-snapshot'] !== true,
    keepOnFailure: values['keep-on-failure'] === true,
    saveFailure: values['save-failure'] === true,
    shard,
    shardDurations: text('shard-durations'),
    accel: accel as Accel | undefined,
    imagesDir: text('images-dir') ?? process.env.HARNESS_IMAGES ?? DEFAULT_IMAGES,
    json: values.json === true,
    overlays: (values.overlay as string[] | undefined) ?? [],
  };
}

/** `--image a,b` / `--image all` → image names, each one a recipe builds or one already built. */
async function resolveImages(value: string | undefined, imagesDir: string): Promise<string[] | undefined> {
  if (value === undefined) return undefined;
  const known = [...new Set([...(await recipeImageNames(REPO_ROOT)), ...(await listImages(imagesDir))])].sort();
  try {
    return imageNamesFromOption(value, known);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Loads the scenarios; on errors prints each, calls `onErrors` with them, and returns undefined. */
async function load(paths: string[], options: Options, onErrors?: (messages: string[]) => Promise<void>): Promise<Scenario[] | undefined> {
  const knownImages = await listImages(options.imagesDir);
  const found = await loadScenarios(paths.length ? paths : ['scenarios'], {
    knownImages: options.image ? undefined : knownImages.length ? knownImages : undefined,
  });
  const overlays = await loadOverlays(options.overlays, found.errors);
  if (found.errors.length) {
    for (const error of found.errors) process.stderr.write(`${error.message}\n`);
    process.stderr.write(`${found.errors.length} error(s); nothing was run\n`);
    await onErrors?.(found.errors.map((e) => e.message));
    return undefined;
  }
  let scenarios = found.scenarios.map((scenario) => overlays.reduce(applyOverlay, scenario));
  if (options.grep) {
    const re = options.grep;
    scenarios = scenarios.filter((s) => re.test(s.name) || s.tags.some((t) => re.test(t)));
  }
  if (options.shard) {
    let durations;
    try {
      durations = options.shardDurations === undefined ? undefined : await readDurations(options.shardDurations);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    scenarios = selectShard(scenarios, options.shard, durations, options.image ? () => 1 : undefined);
  }
  return scenarios;
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

function listScenarios(scenarios: Scenario[], json: boolean): void {
  if (json) {
    const out = scenarios.map((s) => ({
      name: s.name,
      file: s.file,
      images: s.images,
      tags: s.tags,
      steps: s.steps.map((step) => ({ name: step.name, kind: step.kind, line: step.at.line })),
    }));
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  for (const s of scenarios) {
    process.stdout.write(`${s.name}  (${s.images.join(', ')})  ${s.file}\n`);
    for (const step of s.steps) process.stdout.write(`  ${step.kind.padEnd(8)} ${step.name}\n`);
  }
}

async function shellInto(scenario: Scenario, options: Options): Promise<number> {
  const image = await loadImage(options.imagesDir, options.image ?? scenario.images[0]);
  const accel = await chooseAccel(options.accel ?? scenario.vm.accel ?? 'auto', { kernel: image.kernel, verdictFile: verdictFileIn(defaultCacheRoot()) });
  const guests = options.snapshots ? new SnapshotRestore() : new ColdBoot();
  const ready = await preparedGuest(scenario, image, accel, guests);
  try {
    process.stderr.write(`"${scenario.name}" is set up (${ready.origin}); the guest stops when this shell ends\n`);
    return await openShell(ready, image);
  } finally {
    ready.guest.close();
    await ready.machine.stop();
  }
}

async function cacheCommand(args: string[]): Promise<number> {
  const cache = new SnapshotCache();
  const [action] = args;
  if (action === 'clear' && args.length === 1) {
    const removed = await cache.clear();
    process.stdout.write(`removed ${removed} snapshot(s) from ${cache.root}\n`);
    return EXIT.ok;
  }
  if (action !== 'list' || args.length !== 1) throw new UsageError('cache needs `list` or `clear`');
  const entries = await cache.list();
  process.stdout.write(`${cache.root}: ${entries.length} snapshot(s), ${formatBytes(entries.reduce((n, e) => n + e.bytes, 0))}\n`);
  for (const e of entries) {
    const what = e.meta ? `${String(e.meta.describes.image)} ${String(e.meta.describes.cmdline).split(' ').slice(-2).join(' ')} ${String(e.meta.describes.accel)}` : '';
    process.stdout.write(`  ${e.key}  ${formatBytes(e.bytes).padStart(8)}  last used ${e.lastUsed.toISOString()}  ${e.problem ? `damaged: ${e.problem}` : what}\n`);
  }
  return EXIT.ok;
}

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(0)} MiB`;
}

export async function main(argv: string[]): Promise<number> {
  // A command with an option table of its own parses its own arguments.
  if (argv[0] === 'mutants') return mutantsCommand(argv.slice(1), { repoRoot: REPO_ROOT, imagesDir: process.env.HARNESS_IMAGES ?? DEFAULT_IMAGES });
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        junit: { type: 'string' },
        reporter: { type: 'string', multiple: true },
        markdown: { type: 'string' },
        image: { type: 'string' },
        grep: { type: 'string' },
        overlay: { type: 'string', multiple: true },
        workers: { type: 'string' },
        retries: { type: 'string' },
        shard: { type: 'string' },
        accel: { type: 'string' },
        'images-dir': { type: 'string' },
        'shard-durations': { type: 'string' },
        json: { type: 'boolean' },
        'no-snapshot': { type: 'boolean' },
        'keep-on-failure': { type: 'boolean' },
        'save-failure': { type: 'boolean' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const [command, ...paths] = parsed.positionals;
  if (parsed.values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return parsed.values.help ? EXIT.ok : EXIT.usage;
  }
  try {
    const options = parseOptions(parsed.values);
    switch (command) {
      case 'validate': {
        const scenarios = await load(paths, options);
        if (!scenarios) return EXIT.usage;
        process.stdout.write(`${scenarios.length} scenario(s) valid\n`);
        return EXIT.ok;
      }
      case 'list': {
        const scenarios = await load(paths, options);
        if (!scenarios) return EXIT.usage;
        listScenarios(scenarios, options.json);
        return EXIT.ok;
      }
      case 'run': {
        if (options.markdown !== undefined && !options.reporters.includes('markdown')) {
          throw new UsageError('--markdown FILE is where the markdown reporter writes; add --reporter markdown');
        }
        const junitPath = path.resolve(options.junit);
        // A CI job reads the report whatever happened: scenario files it cannot load leave one
        // that says so (an error testcase), not yesterday's report or none.
        const scenarios = await load(paths, options, (messages) =>
          writeFileAtomically(
            junitPath,
            renderJUnit([], { passed: 0, failed: 0, errors: 0, skipped: 0, durationMs: 0, interrupted: `${messages.length} error(s) in the scenario files; nothing was run:\n${messages.join('\n')}` }),
          ),
        );
        if (!scenarios) return EXIT.usage;
        const reporter = createReporter(options.reporters, { junitFile: junitPath, markdownFile: options.markdown });
        return await runScenarios({
          scenarios,
          imagesDir: options.imagesDir,
          reporter,
          artifactsDir: path.join(path.dirname(junitPath), 'artifacts'),
          images: await resolveImages(options.image, options.imagesDir),
          accel: options.accel,
          workers: options.workers,
          retries: options.retries,
          snapshots: options.snapshots,
          log: runLogFor(reporter),
          keepOnFailure: options.keepOnFailure,
          saveFailure: options.saveFailure,
        });
      }
      case 'merge':
        return await mergeCommand(paths, typeof parsed.values.output === 'string' ? parsed.values.output : undefined, options.markdown);
      case 'cache':
        return await cacheCommand(paths);
      case 'shell': {
        if (paths.length !== 1) throw new UsageError('shell needs one scenario file');
        const scenarios = await load(paths, options);
        if (!scenarios) return EXIT.usage;
        if (scenarios.length !== 1) throw new UsageError(`shell needs one scenario file, ${paths[0]} holds ${scenarios.length}`);
        return await shellInto(scenarios[0], options);
      }
      case 'repro': {
        if (paths.length !== 1) throw new UsageError('repro needs the folder of a saved failure (see --save-failure)');
        const { ready, image, meta } = await restoreBundle(paths[0], options.imagesDir);
        process.stderr.write(`restored "${meta.scenario}" as it failed (saved ${meta.savedAt})\n`);
        try {
          return await openShell(ready, image);
        } finally {
          ready.guest.close();
          await ready.machine.stop();
        }
      }
      case 'compare': {
        const { format, output } = parsed.values;
        return await compareCommand(paths, { format: format as string | undefined, output: output as string | undefined });
      }
      case 'show-unit': {
        if (paths.length !== 2) throw new UsageError('show-unit needs a scenario file and a service name');
        const scenarios = await load([paths[0]], options);
        if (!scenarios) return EXIT.usage;
        if (scenarios.length !== 1) throw new UsageError(`show-unit needs one scenario file, ${paths[0]} holds ${scenarios.length}`);
        try {
          process.stdout.write(await showUnit(scenarios[0], paths[1], options.imagesDir, options.snapshots ? new SnapshotRestore() : new ColdBoot(), options.accel));
        } catch (err) {
          if (err instanceof UnknownServiceError) throw new UsageError(err.message);
          throw err;
        }
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      return EXIT.usage;
    }
    // The message says what went wrong; the stack is for whoever debugs the harness itself.
    const error = err as Error;
    process.stderr.write(`harness: ${process.env.HARNESS_DEBUG ? (error.stack ?? String(err)) : (error.message ?? String(err))}\n`);
    return EXIT.infrastructure;
  }
}
