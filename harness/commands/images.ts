// `harness images outdated|refresh|test …`: when the archive's packages move, notice it,
// build the new image beside the old one, and test and compare the two.
import { IMAGES_DIR_HELP, IMAGES_DIR_OPTION, imagesDir, text, UsageError, type Command } from './command.js';
import { outdatedCommand } from './images-outdated.js';

const ACTIONS = ['outdated'] as const;

export const imagesCommand: Command = {
  name: 'images',
  synopsis: 'images outdated [NAME…]',
  summary: 'What moved in the archive since each image was built (exit 0 nothing, 1 something moved).',
  details: `images outdated [NAME…]
  asks apt, with state of its own and each image's own release, suites and apt options (as
  images/debian/build.sh builds it), for the candidate of every package image.json records,
  systemd first; prints per image what moved, e.g.
    debian-forky: systemd 262-1 → 262.2-1, util-linux 2.42.4-1 → 2.42.5-1
  Every built image when none is named. Exit 0 nothing moved, 1 something did, 2 a bad
  image, 3 the archive could not be read (no network, a wrong mirror).`,
  options: { ...IMAGES_DIR_OPTION, mirror: { type: 'string' }, 'images-list': { type: 'string' } },
  optionsHelp: `${IMAGES_DIR_HELP}
  --mirror URL       the Debian mirror (default $MIRROR, else http://deb.debian.org/debian, as build.sh)
  --images-list FILE the recipe's image rows (default images/debian/images.list)`,
  async run(values, args) {
    const [action, ...names] = args;
    if (action === undefined) throw new UsageError(`images needs an action: ${ACTIONS.join(', ')}`);
    if (action === 'outdated') {
      return outdatedCommand(names, { imagesDir: imagesDir(values), mirror: text(values, 'mirror'), imagesList: text(values, 'images-list') });
    }
    throw new UsageError(`images: unknown action "${action}"; known: ${ACTIONS.join(', ')}`);
  },
};
