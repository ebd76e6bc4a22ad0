// The tests of test/nixos evaluate the module of the nixpkgs the user gives (NIXPKGS). Without
// it they are registered as skipped, never as passed: uvu counts them under "Skipped", and
// the run says why, once. With NIXPKGS set they run, and a NIXPKGS without lib/ or the
// module, or a machine without nix-instantiate, is a failure that says what is missing.
import { test } from 'uvu';
import { nixpkgsDir, nixpkgsProblem, NOT_RUN, requireNixInstantiate } from './nixpkgs-source.js';

/** NIXPKGS, absolute, or undefined: the tests are skipped. */
export const NIXPKGS = nixpkgsDir();

let said = false;
/** uvu's test when NIXPKGS is set; test.skip otherwise (the reason printed first). */
export function nixosTest(name: string, fn: () => unknown): void {
  if (NIXPKGS) {
    test(name, async () => {
      await requireNixos();
      await fn();
    });
    return;
  }
  if (!said) console.log(`\nSKIPPED, test/nixos: ${NOT_RUN}\n`);
  said = true;
  test.skip(name, fn as () => void);
}

let checked: Promise<void> | undefined;
/** Throws what is missing (NIXPKGS's lib/ or module, nix-instantiate) when NIXPKGS is set; looked at once. */
export function requireNixos(): Promise<void> {
  checked ??= (async () => {
    if (!NIXPKGS) return;
    const problem = nixpkgsProblem(NIXPKGS);
    if (problem) throw new Error(problem);
    await requireNixInstantiate();
  })();
  return checked;
}
