// `harness images test NAME [PATH…]`: the suite (or the scenarios --grep picks, e.g. a tag
// such as matrix) on NAME's baseline and on NAME as refreshed, then `compare` of the two with
// the newer systemd's changelog and NEWS cited. Writes into --out: baseline.xml,
// refreshed.xml, compare.md, compare.html and summary.txt (one line, also the last line
// printed). Exit 0 no outcome changed, 1 one did, 2 bad usage, 3 an infrastructure error.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ArchiveError, DEFAULT_MIRROR } from '../archive/apt.js';
import { aptSourceOf, ImageRecordError, readImageRecord } from '../archive/image-record.js';
import { fetchPackageTexts } from '../archive/package-texts.js';
import { compareCommand } from '../compare/command.js';
import { buildComparison } from '../compare/model.js';
import { readReportFile } from '../compare/read-junit.js';
import { EXIT } from '../runner/run.js';
import { compareDebianVersions } from '../versions/debian.js';
import { baselinesToPrune, listBaselines } from '../vm/baselines.js';
import { listImages } from '../vm/image.js';
import { REPO_ROOT, UsageError } from './command.js';
import { touchedIn } from './compare.js';
import { readImagesList } from './images-outdated.js';
import { selectScenarios } from './scenarios.js';

export interface ImageTestOptions {
  imagesDir: string;
  baseline?: string;
  grep?: string;
  out: string;
  mirror?: string;
  imagesList?: string;
  /** Extra options for both runs (e.g. --accel tcg). */
  runArgs?: string[];
  log: { write(chunk: string): unknown };
  /** Runs the scenarios on IMAGE into JUNIT, resolving to harness run's exit status (default: harness run). */
  run?: (image: string, paths: string[], junit: string) => Promise<number>;
}

/** The newest baseline of NAME in the folder, or a usage error saying how to make one. */
async function newestBaseline(imagesDir: string, name: string): Promise<string> {
  const baselines = await listBaselines(imagesDir, await listImages(imagesDir));
  const mine = baselines.filter((b) => b.of === name);
  // everything but the newest one would be pruned with keep 1
  const older = new Set(baselinesToPrune(baselines, name, 1).map((b) => b.name));
  const newest = mine.find((b) => !older.has(b.name));
  if (!newest) throw new UsageError(`no baseline of ${name} in ${imagesDir}: \`harness images refresh ${name}\` keeps one when the archive moved, or name one with --baseline`);
  return newest.name;
}

async function runOn(image: string, paths: string[], junit: string, options: ImageTestOptions): Promise<number> {
  const args = ['run', ...paths, '--image', image, '--junit', junit, '--images-dir', options.imagesDir, ...(options.grep ? ['--grep', options.grep] : []), ...(options.runArgs ?? [])];
  options.log.write(`$ harness ${args.join(' ')}\n`);
  const child = execa(process.execPath, [path.join(REPO_ROOT, 'bin/harness.js'), ...args], { all: true, reject: false, env: { CI: process.env.CI ?? '1' } });
  child.all?.on('data', (chunk: Buffer) => options.log.write(chunk.toString()));
  const result = await child;
  return result.exitCode ?? EXIT.infrastructure;
}

export async function imagesTest(name: string, paths: string[], options: ImageTestOptions): Promise<number> {
  const { imagesDir, out, log } = options;
  let baseline;
  let records;
  try {
    baseline = options.baseline ?? (await newestBaseline(imagesDir, name));
    records = await Promise.all([readImageRecord(imagesDir, baseline), readImageRecord(imagesDir, name)]);
  } catch (err) {
    throw err instanceof ImageRecordError ? new UsageError(err.message) : err;
  }
  const [older, newer] = records.map((r) => r.packages.systemd ?? undefined);
  await mkdir(out, { recursive: true });
  const reports = { baseline: path.join(out, 'baseline.xml'), refreshed: path.join(out, 'refreshed.xml') };
  const run = options.run ?? ((image: string, scenarios: string[], junit: string) => runOn(image, scenarios, junit, options));
  const files = options.run ? paths : await sameOnBoth(paths, options);
  const codes = [await run(baseline, files, reports.baseline), await run(name, files, reports.refreshed)];
  if (codes.includes(EXIT.usage)) return EXIT.usage;

  // The newer systemd's own texts, fetched from the archive the image was built from.
  let changes: string | undefined;
  let note = '';
  if (older && newer && compareDebianVersions(older, newer) < 0) {
    try {
      const source = aptSourceOf(records[1], await readImagesList(options.imagesList), options.mirror ?? process.env.MIRROR ?? DEFAULT_MIRROR);
      changes = (await fetchPackageTexts(source, newer, path.join(out, `systemd_${newer}`))).dir;
    } catch (err) {
      if (!(err instanceof ArchiveError || err instanceof ImageRecordError)) throw err;
      note = `; changelog not cited: ${err.message.split('\n')[0]}`;
      log.write(`harness images test: ${err.message}\n`);
    }
  } else {
    note = `; changelog not cited: systemd ${older ?? '?'} → ${newer ?? '?'} is no upgrade`;
  }
  const stderr = { write: (chunk: string) => log.write(chunk) };
  const compared = [reports.baseline, reports.refreshed];
  const md = await compareCommand(compared, { format: 'markdown', output: path.join(out, 'compare.md'), changes, touchedIn, failOnChange: true, stderr });
  const html = await compareCommand(compared, { format: 'html', output: path.join(out, 'compare.html'), changes, touchedIn, stderr });
  if (md === EXIT.usage || html === EXIT.usage) return EXIT.infrastructure; // a run wrote no comparable report

  const comparison = buildComparison([...(await readReportFile(reports.baseline)), ...(await readReportFile(reports.refreshed))]);
  const infrastructure = codes.includes(EXIT.infrastructure);
  const status = infrastructure ? EXIT.infrastructure : comparison.outcomeChanges.length > 0 ? EXIT.failed : EXIT.ok;
  const summary =
    `images test ${name}: ${baseline} (systemd ${older ?? '?'}) → ${name} (systemd ${newer ?? '?'}): ` +
    `${comparison.comparedSteps} step(s) compared, ${comparison.outcomeChanges.length} outcome(s) changed, ${comparison.observationChanges.length} observation(s) changed` +
    `${infrastructure ? `; an infrastructure error in a run (exit ${codes.join(', ')})` : ''}${note}; ${path.join(out, 'compare.md')}`;
  await writeFile(path.join(out, 'summary.txt'), `${summary}\n`);
  log.write(`${summary}\n`);
  return status;
}

/**
 * The scenario files both sides run: those --grep picks, but those whose guests need
 * `packages:` (an image derived for them is built from today's archive, so on a baseline it
 * would not be the baseline's packages), each left out named.
 */
async function sameOnBoth(paths: string[], options: ImageTestOptions): Promise<string[]> {
  // image: both runs give --image, so a scenario's own `image:` need not be built here
  const scenarios = await selectScenarios(paths, { grep: options.grep, 'images-dir': options.imagesDir, image: 'any' });
  if (!scenarios) throw new UsageError('the scenarios have errors (above): nothing was run');
  const plain = scenarios.filter((s) => s.guests.every((g) => g.packages.length === 0));
  for (const s of scenarios.filter((x) => !plain.includes(x))) options.log.write(`left out on both sides: ${s.file} (its guests need packages:, which a baseline cannot have from today's archive)\n`);
  if (plain.length === 0) throw new UsageError(`no scenario to run${options.grep ? ` matches --grep ${options.grep}` : ''} without packages:`);
  return plain.map((s) => s.file);
}

export async function imagesTestCommand(name: string | undefined, paths: string[], options: ImageTestOptions): Promise<number> {
  if (!name) throw new UsageError('images test needs the refreshed image NAME (its newest baseline NAME@VERSION is the other side)');
  try {
    return await imagesTest(name, paths, options);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    process.stderr.write(`harness images test: ${(err as Error).message}\n`);
    return EXIT.infrastructure;
  }
}
