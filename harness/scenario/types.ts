// The format's typed values beneath every layer (reference: docs/scenarios.md): locations,
// matchers, services, conditions. The loader (harness/load/) validates YAML into these
// once; nothing below it handles `unknown`. The whole Scenario is load/scenario.ts.
import type { RangeClause } from '../versions/range.js';
import type { Outbound } from '../vm/outbound.js';

/** Where a value came from, so that every later message can point at it. */
export interface Location {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

/** A matcher for a text value. A plain scalar in YAML becomes `{ equals }`. */
export interface TextMatcher {
  equals?: string;
  contains?: string;
  notContains?: string;
  matches?: string; // a regular expression source
  not?: TextMatcher;
}

/** A matcher for a list of strings (e.g. directory entries). */
export interface ListMatcher {
  exactly?: string[];
  includes?: string[];
  excludes?: string[];
  not?: ListMatcher;
}

export type Accel = 'auto' | 'kvm' | 'tcg';

/** VM settings a scenario asks for; unset fields take the image's defaults. */
export interface VmSettings {
  memory?: number; // MiB
  cpus?: number;
  threads?: number;
  cpuModel?: string;
  kernelParams?: string[];
  accel?: Accel;
  /** The guest's only ways out (vm.outbound); by default it reaches nothing outside. */
  outbound?: Outbound[];
}

export interface FileSpec {
  content: string;
  mode?: string; // octal text, e.g. "0644"
  owner?: string;
  group?: string;
  /** Where its path is in the scenario file (for errors in the guest). */
  at?: Location;
}

export interface Confinement {
  mode: 'full-apivfs' | 'chroot-only';
  packages: string[];
  binSh: string | null; // null = no /bin/sh in the chroot
  fullUnit: boolean;
}

/** Whom a service runs as: `user: root` (the default), `user: dynamic` (DynamicUser=yes) or a user name. */
export type ServiceUser = { kind: 'root' } | { kind: 'dynamic' } | { kind: 'static'; name: string };

export interface ServiceSpec {
  name: string;
  /** ExecStart of a service the harness writes; absent when `unit` names an existing one. */
  exec?: string;
  /** An existing unit of the image, e.g. ssh.service. */
  unit?: string;
  user: ServiceUser;
  serviceConfig: Record<string, string | string[]>;
  confinement?: Confinement;
  at: Location;
}

/** `when: {systemd: ">=257"}`: each package's installed version must be in its range. */
export interface VersionCondition {
  /** The package, as image.json's `packages` names it (Debian binary package names). */
  package: string;
  /** The range as written, for messages. */
  range: string;
  clauses: RangeClause[];
  at: Location;
}

/** All must hold; an empty list always does. */
export type Condition = VersionCondition[];

/** One of a step's per-version expectations (`expect:` as a list). */
export interface ExpectVariant<E> {
  /** Absent for the last variant only: it applies where no earlier one does. */
  when?: Condition;
  expect: E;
  at: Location;
}

/** Fields every step carries. */
export interface StepBase {
  /** The JUnit testcase name: the step's `name`, or one made from what it does. */
  name: string;
  at: Location;
  /** The guest it runs on, in a scenario with several (`on:`); absent, the one guest. */
  on?: string;
  /** Retry until the expectation holds or this many ms pass (`within`). */
  withinMs?: number;
  everyMs: number;
  /** The step runs only on images where this holds; elsewhere it is reported skipped. */
  when?: Condition;
  /**
   * `expect:` written as a list: the step's `expect` is the first variant's, and on an
   * image the first variant whose `when` holds replaces it (none: skipped).
   */
  variants?: ExpectVariant<unknown>[];
  /** Keep what the step yields (a `run`'s stdout) under this name, once it has passed. */
  save?: string;
  /** The saved values its text names (`${{ NAME }}`), filled in before it runs. */
  uses?: string[];
}

/** What a service's own user may do with a path, least to most (NixOS checkperms.py's levels). */
export const ACCESS_LEVELS = ['none', 'readable', 'special', 'sticky', 'writable'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** A `chroot` step's expectations (here, below the checks: confinement/inspect.ts probes for them). */
export interface ChrootExpect {
  /** Paths that must exist (and resolve) inside the service's root. */
  contains?: string[];
  /** Paths that must not exist there, not even as a dangling symlink. */
  absent?: string[];
  /** The root's top-level entries. */
  entries?: ListMatcher;
  /** Path → the most it may allow (inherited by what lies below it); `default` bounds the rest. */
  access?: Record<string, AccessLevel>;
}
