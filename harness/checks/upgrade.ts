// `upgrade:` — a live upgrade: the named packages are installed from the candidate the
// image carries (images.list's CARRY-SUITE, a local apt source) by `apt-get install`, as an
// admin would, maintainer scripts and triggers included (systemd's postinst runs
// `systemctl daemon-reexec` under the running services). Later steps' `when:` and
// per-version `expect:` read the versions installed afterwards. The runner does the work
// (CheckContext.upgrade); this step judges it: every named package is at the candidate's
// version.
import type { StepBase } from '../scenario/types.js';
import type { StepInput, StepKind } from './kind.js';
import { observing, verdict, type CheckContext, type CheckResult } from './context.js';
import { readPackageNames } from '../scenario/package-names.js';

export interface UpgradeStep extends StepBase {
  kind: 'upgrade';
  /** Debian package names, each one the candidate carries. */
  packages: string[];
}

export const upgradeKind: StepKind<UpgradeStep> = {
  name: 'upgrade',
  read: readUpgradeStep,
  check: checkUpgrade,
  // Steps after an upgrade that did not happen would check the old system as if new; and
  // `within` bounds the upgrade instead of retrying it.
  gating: true,
  schema: {
    subject: {
      description:
        "packages to upgrade in the running guest from the candidate its image carries (images.list's CARRY-SUITE), by `apt-get install` as an admin would; later steps' `when:` read the versions installed then",
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z0-9][a-z0-9+.-]+$' },
    },
  },
};

export async function checkUpgrade(step: UpgradeStep, ctx: CheckContext): Promise<CheckResult> {
  const done = await ctx.upgrade(step.packages, step.withinMs);
  const mismatches = step.packages
    .filter((pkg) => done.installed[pkg] !== done.candidate[pkg])
    .map((pkg) => `${pkg}: expected the candidate's ${done.candidate[pkg]}, installed ${done.installed[pkg] ?? 'nothing'}`);
  if (done.exitCode !== 0) mismatches.unshift(`apt-get exited ${done.exitCode}`);
  const changed = Object.keys(done.after)
    .filter((pkg) => done.before[pkg] !== done.after[pkg])
    .map((pkg) => `${pkg} ${done.before[pkg] ?? '(none)'} → ${done.after[pkg] ?? '(none)'}`);
  const output = [done.output.trimEnd(), '', `versions now: ${changed.length ? changed.join(', ') : 'unchanged'}`].join('\n');
  // What compare diffs: which packages moved, not the versions (they are the image's).
  return observing(verdict(mismatches, output), { upgraded: step.packages.filter((pkg) => done.before[pkg] !== done.after[pkg]) });
}

function readUpgradeStep({ r, subject, base }: StepInput): UpgradeStep | undefined {
  const packages = readPackageNames(r, subject, 'the packages to upgrade');
  if (packages === undefined) return undefined;
  return { kind: 'upgrade', ...base(`upgrade ${packages.join(', ')}`), packages };
}
