// `harness run`: the scenarios on their images, reported as asked; always a JUnit report.
import path from 'node:path';
import type { Accel } from '../scenario/types.js';
import { checkCompatible, createReporter, parseReporterNames, runLogFor } from './reporters.js';
import { renderJUnit, writeFileAtomically } from '../report/junit.js';
import { EXIT, runScenarios } from '../runner/run.js';
import { imageBuilder } from './build-image.js';
import { IMAGES_DIR_HELP, imagesDir, positiveInteger, text, UsageError, type Command, type Values } from './command.js';
import { resolveImages, SELECT_HELP, SELECT_OPTIONS, selectScenarios, SHARD_HELP, SHARD_OPTIONS } from './scenarios.js';

export const ACCELS: readonly Accel[] = ['auto', 'kvm', 'tcg'];

/** --accel, when given: auto, kvm or tcg. */
export function accelOf(values: Values): Accel | undefined {
  const accel = text(values, 'accel');
  if (accel !== undefined && !(ACCELS as readonly string[]).includes(accel)) throw new UsageError(`--accel must be auto, kvm or tcg, got ${accel}`);
  return accel as Accel | undefined;
}

export const ACCEL_HELP = `  --accel A          auto | kvm | tcg (default: each scenario's, else auto)`;

export const runCommand: Command = {
  name: 'run',
  synopsis: 'run [PATH…]',
  summary: 'Run scenarios (files or folders; default scenarios/) and report every step.',
  options: {
    ...SELECT_OPTIONS,
    junit: { type: 'string' },
    reporter: { type: 'string', multiple: true },
    markdown: { type: 'string' },
    image: { type: 'string' },
    workers: { type: 'string' },
    retries: { type: 'string' },
    ...SHARD_OPTIONS,
    accel: { type: 'string' },
    'no-snapshot': { type: 'boolean' },
    'keep-on-failure': { type: 'boolean' },
    'save-failure': { type: 'boolean' },
  },
  optionsHelp: `  --reporter NAMES   list, dot, junit, github, markdown; repeatable or comma-separated
                     (default list,junit). list redraws what runs where on a terminal and
                     prints one line per event in a log (not a TTY, or CI set)
  --junit FILE       JUnit report (default reports/junit.xml)
  --markdown FILE    the markdown reporter's file (default $GITHUB_STEP_SUMMARY when set,
                     appended to; else stdout)
  --image NAME[,NAME…]
                     run every scenario on these images instead of its own, once per
                     image (testsuites "<scenario> [<image>]"); \`all\`: every image the
                     recipes build (images/debian/images.list) and every built one
                     but the baselines a refresh kept (NAME@VERSION: name them)
${SELECT_HELP}
  --workers N        guests run side by side, a scenario with several counting each
                     (default: from cores and free memory)
  --no-snapshot      boot every scenario's guest cold instead of restoring a snapshot
  --keep-on-failure  leave a failed scenario's guest running, print how to get in, and wait
  --save-failure     save a failed scenario's guest (memory and disk) for harness repro
  --retries N        rerun a scenario up to N times after an infrastructure error
                     (never after a failed assertion); the report marks reruns
${SHARD_HELP}
${ACCEL_HELP}
${IMAGES_DIR_HELP}`,
  async run(values, paths) {
    let reporters;
    try {
      reporters = parseReporterNames(values.reporter as string[] | undefined);
      checkCompatible(reporters);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const markdown = text(values, 'markdown');
    if (markdown !== undefined && !reporters.includes('markdown')) {
      throw new UsageError('--markdown FILE is where the markdown reporter writes; add --reporter markdown');
    }
    const workers = positiveInteger(values, 'workers');
    const retries = Number(text(values, 'retries') ?? 0);
    if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`--retries must be a whole number, got ${text(values, 'retries')}`);
    const accel = accelOf(values);
    const junitPath = path.resolve(text(values, 'junit') ?? 'reports/junit.xml');
    // A CI job reads the report whatever happened: scenario files it cannot load leave one
    // that says so (an error testcase), not yesterday's report or none.
    const scenarios = await selectScenarios(paths, values, (messages) =>
      writeFileAtomically(
        junitPath,
        renderJUnit([], { passed: 0, failed: 0, errors: 0, skipped: 0, durationMs: 0, interrupted: `${messages.length} error(s) in the scenario files; nothing was run:\n${messages.join('\n')}` }),
      ),
    );
    if (!scenarios) return EXIT.usage;
    const reporter = createReporter(reporters, { junitFile: junitPath, markdownFile: markdown });
    const log = runLogFor(reporter);
    return runScenarios({
      scenarios,
      imagesDir: imagesDir(values),
      reporter,
      artifactsDir: path.join(path.dirname(junitPath), 'artifacts'),
      images: await resolveImages(values),
      accel,
      workers,
      retries,
      snapshots: values['no-snapshot'] !== true,
      log,
      buildImage: imageBuilder(imagesDir(values), log ?? ((line) => process.stderr.write(`${line}\n`))),
      keepOnFailure: values['keep-on-failure'] === true,
      saveFailure: values['save-failure'] === true,
    });
  },
};
