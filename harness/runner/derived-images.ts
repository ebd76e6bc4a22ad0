// A guest's `packages:`: it boots an image derived from its own, the same recipe row with
// those packages added from the image's own release (images/build-if-needed.sh with BASE and
// PACKAGES). Each is named by its base and package list, so a second run finds it built and
// builds nothing; every one a run needs is built before any guest boots, and a package the
// release lacks stops the run there, in apt's words.
import { createHash } from 'node:crypto';
import type { Scenario } from '../load/scenario.js';
import { ImageError } from '../vm/image.js';

/** An image a run builds for the packages guests ask for. */
export interface DerivedImage {
  /** The image it derives from: one of images/debian/images.list. */
  base: string;
  /** Sorted. */
  packages: string[];
  name: string;
}

/** Builds `image` unless it is built and current; rejects with ImageBuildError. */
export type BuildImage = (image: DerivedImage) => Promise<void>;

/** The build of a derived image failed; `byScenario` when apt said a package is not there. */
export class ImageBuildError extends ImageError {
  override name = 'ImageBuildError';
  constructor(
    message: string,
    readonly byScenario: boolean,
  ) {
    super(message);
  }
}

/** `debian-bookworm+apparmor+nginx-light`; a long list ends in a hash of it instead. */
export function derivedImageName(base: string, packages: readonly string[]): string {
  const sorted = [...packages].sort();
  const plain = `${base}+${sorted.join('+')}`;
  if (plain.length <= 80) return plain;
  const hash = createHash('sha256').update(sorted.join(',')).digest('hex').slice(0, 8);
  return `${base}+${sorted[0]}-and-${sorted.length - 1}-more-${hash}`;
}

/** The image a guest boots: its own (or the run's), derived when it names packages. */
export function guestImageName(guest: Scenario['guests'][number], runImage: string): string {
  const base = guest.image ?? runImage;
  return guest.packages.length ? derivedImageName(base, guest.packages) : base;
}

/** Every derived image the scenarios need on their images (or `--image`'s), each once. */
export function derivedImagesNeeded(scenarios: readonly Scenario[], images?: readonly string[]): DerivedImage[] {
  const needed = new Map<string, DerivedImage>();
  for (const scenario of scenarios) {
    for (const runImage of images?.length ? images : scenario.images) {
      for (const guest of scenario.guests) {
        if (!guest.packages.length) continue;
        const name = guestImageName(guest, runImage);
        needed.set(name, { base: guest.image ?? runImage, packages: [...guest.packages].sort(), name });
      }
    }
  }
  return [...needed.values()];
}

/** What apt said went wrong, from a build's output: its `E:` lines, or the last lines. */
export function buildProblem(output: string): { words: string; byScenario: boolean } {
  const lines = output.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const apt = lines.filter((l) => /^E: /.test(l));
  const words = (apt.length ? [...new Set(apt)] : lines.slice(-5)).join('\n');
  return { words, byScenario: /Unable to locate package|has no installation candidate|is not installable|no such image in/.test(words) };
}
