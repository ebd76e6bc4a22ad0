// `harness mutants`: how many seeded regressions the suite catches. Prints a table (one
// row a mutant: caught with the first red step, or MISSED), the score, and writes JUnit.
import path from 'node:path';
import { loadScenarios } from '../load/load.js';
import type { Scenario } from '../load/scenario.js';
import { renderJUnit, writeFileAtomically } from '../report/junit.js';
import { EXIT } from '../runner/run.js';
import { ScenarioErrors } from '../scenario/errors.js';
import { loadCatalogue, type Catalogue } from '../mutants/catalogue.js';
import { baseline, runGuestMutant, type BaseRun, type BaselineRun } from '../mutants/guest.js';
import { runHarnessMutant } from '../mutants/harness-side.js';
import { runPackageMutant } from '../mutants/package.js';
import { imageRecipe } from './build-image.js';
import { renderTable, score, verdictResults, verdictSummary, type Verdict } from '../mutants/verdict.js';
import { IMAGES_DIR_HELP, imagesDir, positiveInteger, REPO_ROOT, text, UsageError, type Command, type Values } from './command.js';

const SUMMARY = `Runs each seeded regression of the catalogue against the scenarios (default scenarios/)
and tells which ones the suite catches. Guest-side mutants are overlays applied to every
scenario; a catch is a step that fails under the mutant (a failure, not an error; not a
\`unit:\` read-back) and passed when the scenarios ran once unmutated first, and the run
stops at the first. A step red unmutated catches nothing; a baseline with no step green
stops everything. Package mutants change a file of a base image's package (at the version
the image recorded), build an image with it (cached until the entry or the base changes),
boot it cold and run the scenarios of that base on it, judged the same way. Harness-side
mutants patch a copy of dist/ and run the unit tests named for them. The table and the report name each catching step, its place and its message.
Exit status: 0 every mutant caught, 1 one missed, 2 bad usage or input, 3 an error.`;

export const mutantsCommand: Command = {
  name: 'mutants',
  synopsis: 'mutants [PATH…]',
  summary: 'The seeded regressions of mutants/catalogue.yaml against the scenarios: which ones\nthe suite catches (a table, the score, JUnit).',
  details: SUMMARY,
  options: {
    catalogue: { type: 'string' },
    only: { type: 'string' },
    side: { type: 'string' },
    junit: { type: 'string' },
    workers: { type: 'string' },
    'images-dir': { type: 'string' },
  },
  optionsHelp: `  --catalogue FILE   the catalogue (default mutants/catalogue.yaml)
  --only NAMES       only these mutants (comma-separated names)
  --side SIDE        guest, package or harness (default all three)
  --junit FILE       the report: a testcase per mutant, passed when caught
                     (default reports/mutants.xml)
  --workers N        scenarios side by side (default 1: the scenario named first for a
                     mutant then has the whole machine, and a catch comes soonest)
${IMAGES_DIR_HELP}`,
  run: runMutants,
};

async function runMutants(values: Values, positionals: string[]): Promise<number> {
  const side = text(values, 'side');
  if (side !== undefined && !['guest', 'package', 'harness'].includes(side)) throw new UsageError(`--side must be guest, package or harness, got ${side}`);
  const workers = positiveInteger(values, 'workers');

  let catalogue: Catalogue;
  try {
    catalogue = await loadCatalogue(text(values, 'catalogue') ?? path.join(REPO_ROOT, 'mutants/catalogue.yaml'));
  } catch (err) {
    if (!(err instanceof ScenarioErrors)) throw err;
    for (const e of err.errors) process.stderr.write(`${e.message}\n`);
    return EXIT.usage;
  }
  const only = text(values, 'only')?.split(',').map((n) => n.trim()).filter(Boolean);
  const known = [...catalogue.guest.map((m) => m.overlay.name), ...catalogue.packages.map((m) => m.name), ...catalogue.harness.map((m) => m.name)];
  const unknown = only?.filter((name) => !known.includes(name)) ?? [];
  if (unknown.length) throw new UsageError(`--only names no mutant: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  const chosen = (name: string, mutantSide: string) => (!only || only.includes(name)) && (!side || side === mutantSide);
  const guestMutants = catalogue.guest.filter((m) => chosen(m.overlay.name, 'guest'));
  const packageMutants = catalogue.packages.filter((m) => chosen(m.name, 'package'));
  const harnessMutants = catalogue.harness.filter((m) => chosen(m.name, 'harness'));

  const started = Date.now();
  const junit = path.resolve(text(values, 'junit') ?? 'reports/mutants.xml');
  const verdicts: Verdict[] = [];
  const notes: { guest?: Record<string, string>; package?: Record<string, string> } = {};
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // Ctrl-C or SIGTERM ends the catalogue, not just the mutant at hand (whose run stops its
  // own VMs on the same signal): the verdicts so far are reported, and the exit says why.
  const stop = interruption();
  try {
    return await judge();
  } finally {
    stop.dispose();
  }

  async function judge(): Promise<number> {
    for (const mutant of harnessMutants) {
      if (stop.signal) break;
      log(`harness-side mutant ${mutant.name} …`);
      verdicts.push(await runHarnessMutant(mutant, REPO_ROOT));
    }
    if (guestMutants.length || packageMutants.length) {
      const scenarios = await scenariosOf(positionals);
      if (!scenarios) return EXIT.usage;
      const base: BaseRun = { imagesDir: imagesDir(values), artifactsDir: path.resolve('reports/mutants-artifacts'), workers: workers ?? 1, log: () => undefined };
      log(`baseline: ${scenarios.length} scenario(s) without any mutant …`);
      const unmutated = await baseline(scenarios, base);
      if (unmutated.passed === 0 && !stop.signal) {
        const why = `no step passed without any mutant (status ${unmutated.status}), so nothing can confirm a catch${unmutated.red.length ? `: ${unmutated.red[0]}` : ''}`;
        log(why);
        await writeFileAtomically(junit, renderJUnit([], { ...verdictSummary([], Date.now() - started), interrupted: why }));
        return EXIT.infrastructure;
      }
      if (unmutated.red.length) log(`baseline: ${unmutated.red.length} step(s) red without any mutant; they can catch none:\n  ${unmutated.red.join('\n  ')}`);
      if (guestMutants.length) notes.guest = { baseline: describeBaseline(unmutated) };
      if (packageMutants.length) notes.package = { baseline: describeBaseline(unmutated) };
      for (const mutant of guestMutants) {
        if (stop.signal) break;
        log(`guest-side mutant ${mutant.overlay.name} …`);
        const verdict = await runGuestMutant(mutant, scenarios, base, unmutated.outcomes);
        if (!stop.signal) verdicts.push(verdict); // an interrupted run judged nothing
      }
      const recipe = imageRecipe(log);
      for (const mutant of packageMutants) {
        if (stop.signal) break;
        log(`package mutant ${mutant.name} (${mutant.package} of ${mutant.image}) …`);
        const verdict = await runPackageMutant(mutant, scenarios, base, unmutated.outcomes, recipe, log);
        if (stop.signal) break;
        log(`package mutant ${mutant.name}: ${verdict.outcome}; image ${seconds(verdict.buildMs ?? 0)}, run ${seconds(verdict.durationMs - (verdict.buildMs ?? 0))}`);
        verdicts.push(verdict);
      }
    }

    if (stop.signal) {
      const why = `${stop.signal}: interrupted after ${verdicts.length} mutant(s); the rest were not run`;
      log(why);
      await writeFileAtomically(junit, renderJUnit(verdictResults(verdicts, catalogue.file, notes), { ...verdictSummary(verdicts, Date.now() - started), interrupted: why }));
      return SIGNAL_EXIT[stop.signal];
    }
    await writeFileAtomically(junit, renderJUnit(verdictResults(verdicts, catalogue.file, notes), verdictSummary(verdicts, Date.now() - started)));
    process.stdout.write(`${renderTable(verdicts)}\n\n`);
    for (const s of ['guest', 'package', 'harness'] as const) if (verdicts.some((v) => v.side === s)) process.stdout.write(`${score(verdicts, s)}\n`);
    process.stdout.write(`${score(verdicts)} in ${((Date.now() - started) / 60_000).toFixed(1)} min; report ${path.relative(process.cwd(), junit)}\n`);
    if (verdicts.some((v) => v.outcome === 'missed')) return EXIT.failed;
    return verdicts.some((v) => v.outcome === 'error') ? EXIT.infrastructure : EXIT.ok;
  }
}

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(0)} s`;
}

/** The guest side's testsuite property: what the baseline that confirms catches was. */
function describeBaseline(run: BaselineRun): string {
  const red = run.red.length ? `; red unmutated, so catching nothing: ${run.red.join('; ')}` : '';
  return `${run.passed} step(s) passed unmutated${red}`;
}

/** Which signal, if any, has asked the whole command to end. */
function interruption(): { readonly signal?: keyof typeof SIGNAL_EXIT; dispose(): void } {
  const state: { signal?: keyof typeof SIGNAL_EXIT; dispose(): void } = { dispose: () => undefined };
  const on = (signal: keyof typeof SIGNAL_EXIT) => () => {
    state.signal ??= signal;
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  state.dispose = () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
  return state;
}

async function scenariosOf(paths: string[]): Promise<Scenario[] | undefined> {
  const found = await loadScenarios(paths.length ? paths : ['scenarios']);
  for (const e of found.errors) process.stderr.write(`${e.message}\n`);
  return found.errors.length ? undefined : found.scenarios;
}

