// A scenario file, typed: what the loader makes of it and everything after it works from.
import type { Step } from '../checks/kinds.js';
import type { Condition, FileSpec, Location, ServiceSpec, VmSettings } from '../scenario/types.js';

/** A step of any kind (each kind is a file of harness/checks/, listed in kinds.ts). */
export type { Step };

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
  vm: VmSettings;
  files: Record<string, FileSpec>;
  sysctl: Record<string, string>;
  services: ServiceSpec[];
  steps: Step[];
  file: string; // the YAML file it came from
  /** Where its `name` is written, so a duplicate name in another file can point at it. */
  nameAt?: Location;
}
