// Whether a step is for an image: its `when:` and its per-version expectations, read
// against the package versions the image recorded at build time.
import type { Condition } from '../scenario/types.js';
import type { Step } from '../load/scenario.js';
import type { PackageVersions } from '../vm/image.js';
import { rangeHolds } from '../versions/range.js';

/** undefined when the condition holds on these versions; otherwise why not, in words. */
export function conditionMiss(condition: Condition, versions: PackageVersions): string | undefined {
  for (const { package: pkg, range, clauses } of condition) {
    const installed = versions[pkg];
    if (installed === undefined) return `not for this image: it records no version of ${pkg}: when ${pkg} ${range}`;
    if (installed === null) return `not for this image (${pkg} is not installed): when ${pkg} ${range}`;
    if (!rangeHolds(clauses, installed)) return `not for ${pkg} ${installed}: when ${pkg} ${range}`;
  }
  return undefined;
}

export function describeCondition(condition: Condition): string {
  return condition.map((c) => `${c.package} ${c.range}`).join(', ');
}

/**
 * The step as it runs on an image with these versions: with the expectation that applies
 * there, or the reason it is skipped.
 */
export function stepForVersions(step: Step, versions: PackageVersions): { step: Step } | { skip: string } {
  const miss = step.when && conditionMiss(step.when, versions);
  if (miss) return { skip: miss };
  if (!step.variants) return { step };
  const variant = step.variants.find((v) => !v.when || !conditionMiss(v.when, versions));
  if (!variant) {
    const packages = [...new Set(step.variants.flatMap((v) => v.when ?? []).map((c) => c.package))];
    const here = packages.map((pkg) => `${pkg} ${versions[pkg] ?? 'not installed'}`).join(', ');
    const written = step.variants.map((v) => `when ${describeCondition(v.when ?? [])}`).join('; ');
    return { skip: `no expectation for ${here}: ${written}` };
  }
  return { step: { ...step, expect: variant.expect } as Step };
}

/** Every condition a scenario's steps name, to check up front that an image records them. */
export function conditionsOf(steps: Step[]): Condition {
  return steps.flatMap((step) => [...(step.when ?? []), ...(step.variants ?? []).flatMap((v) => v.when ?? [])]);
}
