// `harness images outdated|refresh|test …`: when the archive's packages move, notice it,
// build the new image beside the old one, and test and compare the two.
import { IMAGES_DIR_HELP, IMAGES_DIR_OPTION, imagesDir, text, UsageError, type Command, type Values } from './command.js';
import { outdatedCommand } from './images-outdated.js';
import { DEFAULT_KEEP, prune, refreshImage } from './images-refresh.js';
import { imagesTestCommand } from './images-test.js';
import { EXIT } from '../runner/run.js';

const ACTIONS = ['outdated', 'refresh', 'prune', 'test'] as const;

function keep(values: Values): number {
  const given = text(values, 'keep');
  if (given === undefined) return DEFAULT_KEEP;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--keep must be a whole number 0 or more (baselines of each image to keep), got ${given}`);
  return n;
}

export const imagesCommand: Command = {
  name: 'images',
  synopsis: 'images ACTION [NAME…]',
  summary: 'outdated: what moved in the archive since each image was built; refresh: keep it as\nNAME@VERSION, build it anew beside; prune: old baselines; test: both, compared, changelog cited.',
  details: `images outdated [NAME…]
  asks apt, with state of its own and each image's own release, suites and apt options (as
  images/debian/build.sh builds it), for the candidate of every package image.json records,
  systemd first; prints per image what moved, e.g.
    debian-forky: systemd 262-1 → 262.2-1, util-linux 2.42.4-1 → 2.42.5-1
  Every built image when none is named. Exit 0 nothing moved, 1 something did, 2 a bad
  image, 3 the archive could not be read (no network, a wrong mirror).

images refresh NAME [--keep N] [--force]
  when the archive moved NAME's packages: keeps NAME as the baseline NAME@SYSTEMD-VERSION
  (e.g. debian-forky@262-1) and builds NAME anew beside it (images/build-if-needed.sh);
  then prunes NAME's baselines to the newest N (default ${DEFAULT_KEEP}), naming each that goes.
  A failed build puts NAME back as it was. Both run with --image; --image all leaves
  baselines out. Exit 0 built or nothing moved, 2 a bad image, 3 the archive or the build failed.

images prune NAME… [--keep N]
  the same rule on its own: the newest N baselines of each NAME stay, the others are removed.

images test NAME [PATH…] [--baseline NAME@V] [--grep RE] [--out DIR]
  runs the scenarios (default scenarios/; --grep a name or tag, e.g. matrix) on NAME's newest
  baseline and on NAME, then compares the two: DIR (default reports/upgrade) gets
  baseline.xml, refreshed.xml, compare.md and compare.html (the newer systemd's
  changelog.Debian and NEWS between the two versions, cited beside each changed step) and
  summary.txt, one line for CI, also printed last. Exit 0 no outcome changed, 1 one did,
  2 bad usage, 3 an infrastructure error (a run's, or a report missing).`,
  options: { ...IMAGES_DIR_OPTION, mirror: { type: 'string' }, 'images-list': { type: 'string' }, keep: { type: 'string' }, force: { type: 'boolean' }, baseline: { type: 'string' }, grep: { type: 'string' }, out: { type: 'string' }, accel: { type: 'string' } },
  optionsHelp: `${IMAGES_DIR_HELP}
  --mirror URL       the Debian mirror (default $MIRROR, else http://deb.debian.org/debian, as build.sh)
  --images-list FILE the recipe's image rows (default images/debian/images.list)
  --keep N           refresh, prune: baselines of each image to keep (default ${DEFAULT_KEEP})
  --force            refresh: build anew even when nothing moved
  --baseline NAME@V  test: the baseline to compare with (default NAME's newest)
  --grep RE          test: only scenarios whose name or a tag matches RE
  --out DIR          test: where the reports go (default reports/upgrade)
  --accel A          test: auto | kvm | tcg, for both runs`,
  async run(values, args) {
    const [action, ...names] = args;
    if (action === undefined) throw new UsageError(`images needs an action: ${ACTIONS.join(', ')}`);
    if (action === 'outdated') {
      return outdatedCommand(names, { imagesDir: imagesDir(values), mirror: text(values, 'mirror'), imagesList: text(values, 'images-list') });
    }
    const options = { imagesDir: imagesDir(values), mirror: text(values, 'mirror'), imagesList: text(values, 'images-list'), keep: keep(values), out: process.stdout };
    if (action === 'refresh') {
      if (names.length !== 1) throw new UsageError('images refresh needs one image NAME');
      return refreshImage(names[0], { ...options, force: values.force === true });
    }
    if (action === 'prune') {
      if (names.length === 0) throw new UsageError('images prune needs the image NAME(s) whose baselines to prune');
      for (const name of names) await prune(name, options);
      return EXIT.ok;
    }
    if (action === 'test') {
      const accel = text(values, 'accel');
      return imagesTestCommand(names[0], names.slice(1), {
        ...options,
        log: process.stdout,
        baseline: text(values, 'baseline'),
        grep: text(values, 'grep'),
        out: text(values, 'out') ?? 'reports/upgrade',
        runArgs: accel ? ['--accel', accel] : [],
      });
    }
    throw new UsageError(`images: unknown action "${action}"; known: ${ACTIONS.join(', ')}`);
  },
};
