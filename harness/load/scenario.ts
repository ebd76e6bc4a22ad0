// A scenario file, typed: what the loader makes of it and everything after it works from.
import type { Step } from '../checks/kinds.js';
import type { Condition, FileSpec, Location, ServiceSpec, VmSettings } from '../scenario/types.js';

/** A step of any kind (each kind is a file of harness/checks/, listed in kinds.ts). */
export type { Step };

/** A guest of a scenario: what it runs and how it is set up before the first step. */
export interface GuestSpec {
  /** Its host name on the private network; \`guest\` for the one guest of a scenario without \`guests:\`. */
  name: string;
  /** An image of its own; absent, it runs the image the scenario runs on. */
  image?: string;
  vm: VmSettings;
  files: Record<string, FileSpec>;
  sysctl: Record<string, string>;
  services: ServiceSpec[];
  /** Packages of its image's release it needs installed (`packages:`): it then boots an image
   *  derived from its own with them, built before the run (runner/derived-images.ts). */
  packages: string[];
  /** Where it is declared (its key under \`guests:\`, or the scenario's start). */
  at: Location;
}

export interface Scenario {
  name: string;
  description?: string;
  tags: string[];
  /** One scenario runs once per image. */
  images: string[];
  /** Which images the scenario is for, read against the versions each image was built
   *  with (a step's own `when:` reads the versions installed when it runs). */
  when?: Condition;
  timeoutMs: number;
  /** One, or (written under `guests:`) several on one private network, in the order written. */
  guests: GuestSpec[];
  steps: Step[];
  file: string; // the YAML file it came from
  /** Where its `name` is written, so a duplicate name in another file can point at it. */
  nameAt?: Location;
}
