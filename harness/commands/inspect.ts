// `harness validate` and `harness list`: what the scenario files say, without booting.
import type { Scenario } from '../load/scenario.js';
import { EXIT } from '../runner/run.js';
import { imagesNeeded } from '../runner/jobs.js';
import { IMAGES_DIR_HELP, UsageError, type Command } from './command.js';
import { resolveImages, SELECT_HELP, SELECT_OPTIONS, selectScenarios, SHARD_HELP, SHARD_OPTIONS } from './scenarios.js';

export const validateCommand: Command = {
  name: 'validate',
  synopsis: 'validate [PATH…]',
  summary: 'Check scenarios (and overlays) without booting anything; every problem at FILE:LINE:COL.',
  options: SELECT_OPTIONS,
  optionsHelp: `${SELECT_HELP}\n${IMAGES_DIR_HELP}`,
  async run(values, paths) {
    const scenarios = await selectScenarios(paths, values);
    if (!scenarios) return EXIT.usage;
    process.stdout.write(`${scenarios.length} scenario(s) valid\n`);
    return EXIT.ok;
  },
};

export const listCommand: Command = {
  name: 'list',
  synopsis: 'list [PATH…]',
  summary: 'The scenarios and steps that would run.',
  options: { ...SELECT_OPTIONS, ...SHARD_OPTIONS, json: { type: 'boolean' }, images: { type: 'boolean' }, image: { type: 'string' } },
  optionsHelp: `  --json             machine-readable output
  --images           only the images these scenarios boot, one a line, built or not
                     (what \`make test\` builds before it runs them)
  --image NAME[,NAME…]
                     with --images: as \`run --image\` would boot them instead
${SELECT_HELP}\n${SHARD_HELP}\n${IMAGES_DIR_HELP}`,
  async run(values, paths) {
    const scenarios = await selectScenarios(paths, values);
    if (!scenarios) return EXIT.usage;
    if (values.images === true) {
      for (const name of imagesNeeded(scenarios, await resolveImages(values))) process.stdout.write(`${name}\n`);
      return EXIT.ok;
    }
    if (values.image !== undefined) throw new UsageError('--image goes with --images here (list shows each scenario\'s own images)');
    listScenarios(scenarios, values.json === true);
    return EXIT.ok;
  },
};

function listScenarios(scenarios: Scenario[], json: boolean): void {
  if (json) {
    const out = scenarios.map((s) => ({
      name: s.name,
      file: s.file,
      images: s.images,
      tags: s.tags,
      guests: s.guests.map((g) => ({ name: g.name, ...(g.image ? { image: g.image } : {}), packages: g.packages })),
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
