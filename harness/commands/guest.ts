// The commands that hand a person a guest: `shell`, `repro` and `show-unit`.
import type { GuestSpec, Scenario } from '../load/scenario.js';
import { ColdBoot, SnapshotRestore, stopReady } from '../runner/guest-source.js';
import { openShell, preparedGuest } from '../runner/interactive.js';
import { restoreBundle } from '../runner/bundle.js';
import { EXIT } from '../runner/run.js';
import { showUnit, UnknownServiceError } from '../runner/show-unit.js';
import { chooseAccel, verdictFileIn } from '../vm/accel.js';
import { loadImage } from '../vm/image.js';
import { defaultCacheRoot } from '../vm/snapshot-cache.js';
import { IMAGES_DIR_HELP, IMAGES_DIR_OPTION, imagesDir, text, UsageError, type Command, type Values } from './command.js';
import { ACCEL_HELP, accelOf } from './run.js';
import { oneScenario, SELECT_HELP, SELECT_OPTIONS } from './scenarios.js';

const GUEST_OPTIONS = { ...SELECT_OPTIONS, image: { type: 'string' }, guest: { type: 'string' }, accel: { type: 'string' }, 'no-snapshot': { type: 'boolean' } } as const;
const GUEST_HELP = `  --image NAME       the image to boot instead of the scenario's first
  --guest NAME       which of a scenario's several guests (\`guests:\`); alone, without the others
${SELECT_HELP}
  --no-snapshot      boot the guest cold instead of restoring a snapshot
${ACCEL_HELP}
${IMAGES_DIR_HELP}`;

const guestsOf = (values: Values) => (values['no-snapshot'] === true ? new ColdBoot() : new SnapshotRestore());

export const shellCommand: Command = {
  name: 'shell',
  synopsis: 'shell SCENARIO',
  summary: 'A guest of the scenario\'s image, set up as its steps find it, and a shell in it\n(the guest stops when the shell ends).',
  options: GUEST_OPTIONS,
  optionsHelp: GUEST_HELP,
  async run(values, paths) {
    if (paths.length !== 1) throw new UsageError('shell needs one scenario file');
    const scenario = await oneScenario('shell', paths, values);
    return scenario ? shellInto(scenario, values) : EXIT.usage;
  },
};

export const reproCommand: Command = {
  name: 'repro',
  synopsis: 'repro BUNDLE',
  summary: 'Land in a failed guest saved with --save-failure, and a shell in it.',
  options: IMAGES_DIR_OPTION,
  optionsHelp: IMAGES_DIR_HELP,
  async run(values, paths) {
    if (paths.length !== 1) throw new UsageError('repro needs the folder of a saved failure (see --save-failure)');
    const { ready, image, meta } = await restoreBundle(paths[0], imagesDir(values));
    process.stderr.write(`restored "${meta.scenario}" as it failed (saved ${meta.savedAt})\n`);
    try {
      return await openShell(ready, image);
    } finally {
      await stopReady(ready);
    }
  },
};

export const showUnitCommand: Command = {
  name: 'show-unit',
  synopsis: 'show-unit SCENARIO SERVICE',
  summary: "Boot the scenario's image, set it up, and print the service's unit and drop-ins\n(confinement included) as written to the guest.",
  options: GUEST_OPTIONS,
  optionsHelp: GUEST_HELP,
  async run(values, paths) {
    if (paths.length !== 2) throw new UsageError('show-unit needs a scenario file and a service name');
    const scenario = await oneScenario('show-unit', paths, values);
    if (!scenario) return EXIT.usage;
    try {
      process.stdout.write(await showUnit(scenario, guestOf(scenario, values), paths[1], imagesDir(values), guestsOf(values), accelOf(values)));
    } catch (err) {
      if (err instanceof UnknownServiceError) throw new UsageError(err.message);
      throw err;
    }
    return EXIT.ok;
  },
};

/** The guest `--guest` names; the scenario's only one without it. */
function guestOf(scenario: Scenario, values: Values): GuestSpec {
  const name = text(values, 'guest');
  const names = scenario.guests.map((g) => g.name).join(', ');
  if (name === undefined) {
    if (scenario.guests.length === 1) return scenario.guests[0];
    throw new UsageError(`"${scenario.name}" has several guests: say which with --guest (${names})`);
  }
  const guest = scenario.guests.find((g) => g.name === name);
  if (!guest) throw new UsageError(`"${scenario.name}" has no guest ${name} (its guests: ${names})`);
  return guest;
}

async function shellInto(scenario: Scenario, values: Values): Promise<number> {
  const guest = guestOf(scenario, values);
  const image = await loadImage(imagesDir(values), text(values, 'image') ?? guest.image ?? scenario.images[0]);
  const accel = await chooseAccel(accelOf(values) ?? guest.vm.accel ?? 'auto', { kernel: image.kernel, verdictFile: verdictFileIn(defaultCacheRoot()) });
  const ready = await preparedGuest(scenario.file, guest, image, accel, guestsOf(values));
  try {
    process.stderr.write(`"${scenario.name}" is set up (${ready.origin}); the guest stops when this shell ends\n`);
    return await openShell(ready, image);
  } finally {
    await stopReady(ready);
  }
}
