// The images guests' `packages:` derive: named by base and list (so a second run finds one
// built), needed once per (base, list) whatever the number of scenarios asking, and a
// failed build said in apt's words, a missing package told apart from other trouble.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Scenario } from '../../harness/load/scenario.js';
import { buildProblem, derivedImageName, derivedImagesNeeded } from '../../harness/runner/derived-images.js';

const guest = (name: string, packages: string[], image?: string) =>
  ({ name, vm: {}, files: {}, sysctl: {}, services: [], packages, at: { file: 'f', line: 1, col: 1 }, ...(image ? { image } : {}) });
const scenario = (images: string[], guests: ReturnType<typeof guest>[]) => ({ name: 'x', tags: [], images, timeoutMs: 1, guests, steps: [], file: 'f' }) as unknown as Scenario;

test('a derived image is named by its base and its sorted package list; a long list by a hash', () => {
  assert.is(derivedImageName('debian-bookworm', ['nginx-light', 'apparmor']), 'debian-bookworm+apparmor+nginx-light');
  assert.is(derivedImageName('debian-bookworm', ['apparmor', 'nginx-light']), derivedImageName('debian-bookworm', ['nginx-light', 'apparmor']));
  const many = Array.from({ length: 12 }, (_, i) => `package-number-${i}`);
  const name = derivedImageName('debian-trixie', many);
  assert.match(name, /^debian-trixie\+package-number-0-and-11-more-[0-9a-f]{8}$/);
  assert.is.not(name, derivedImageName('debian-trixie', many.slice(1)));
});

test('needed: one per image of the matrix and list, guests without packages need none, a guest\'s own image is its base', () => {
  const scenarios = [
    scenario(['debian-bookworm', 'debian-trixie'], [guest('guest', ['apparmor'])]),
    scenario(['debian-bookworm'], [guest('a', ['apparmor']), guest('b', []), guest('c', ['acl'], 'debian-forky')]),
  ];
  assert.equal(derivedImagesNeeded(scenarios).map((d) => `${d.base} ${d.packages.join(',')} ${d.name}`), [
    'debian-bookworm apparmor debian-bookworm+apparmor',
    'debian-trixie apparmor debian-trixie+apparmor',
    'debian-forky acl debian-forky+acl',
  ]);
  assert.equal(derivedImagesNeeded(scenarios, ['debian-forky']).map((d) => d.name), ['debian-forky+apparmor', 'debian-forky+acl']);
});

test('a failed build says apt\'s E: lines; a package the release lacks is the scenario\'s doing', () => {
  const missing = buildProblem('I: downloading packages with apt...\nE: Unable to locate package nosuchpackage\nE: Unable to locate package nosuchpackage\nE: apt-get failed\n');
  assert.equal(missing, { words: 'E: Unable to locate package nosuchpackage\nE: apt-get failed', byScenario: true });
  const network = buildProblem('I: downloading\nE: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease\n');
  assert.is(network.byScenario, false);
  assert.equal(buildProblem('one\ntwo\n').words, 'one\ntwo');
});

test.run();
