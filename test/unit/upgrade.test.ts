// `upgrade:` apart from a guest: how it is read, what it runs, how the versions it reads
// back are taken, and that the steps after it are admitted against those versions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunStep } from '../../harness/checks/run.js';
import type { UpgradeStep } from '../../harness/checks/upgrade.js';
import { loadScenarioText } from '../../harness/load/load.js';
import { StepGate } from '../../harness/runner/step-gate.js';
import { readVersions, upgradeCommand, UpgradeError, upgradeGuest } from '../../harness/runner/upgrade.js';
import type { Guest } from '../../harness/guest/guest.js';
import type { ImageInfo } from '../../harness/vm/image.js';
import { parseRange } from '../../harness/versions/range.js';

const SCENARIO = `
name: live
image: debian-bookworm
when: {systemd: "252"}
steps:
  - upgrade: [systemd, udev]
  - name: after
    run: systemctl --version
    when: {systemd: ">=254"}
`;

test('the loader reads the scenario\'s when: and an upgrade: step with its packages', () => {
  const scenario = loadScenarioText(SCENARIO, 'live.yaml', {});
  assert.equal(scenario.when?.map((c) => [c.package, c.range]), [['systemd', '252']]);
  const upgrade = scenario.steps[0] as UpgradeStep;
  assert.is(upgrade.kind, 'upgrade');
  assert.equal(upgrade.packages, ['systemd', 'udev']);
  assert.is(upgrade.name, 'upgrade systemd, udev');
});

test('apt reads the candidate\'s source alone and keeps configuration files; each package one word', () => {
  const command = upgradeCommand(['systemd', 'libpam-systemd']);
  assert.match(command, /^set -e\n/);
  assert.match(command, 'apt-get update -q -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/harness-candidate.list -o Dir::Etc::sourceparts=- ');
  assert.match(command, /DEBIAN_FRONTEND=noninteractive apt-get install -y -q .*--force-confold systemd libpam-systemd$/);
});

test('the versions read back are package-versions.sh\'s object; anything else is an UpgradeError', () => {
  assert.equal(readVersions('{\n    "systemd": "254.26-1~bpo12+1",\n    "lastlog2": null\n  }\n'), { systemd: '254.26-1~bpo12+1', lastlog2: null });
  assert.throws(() => readVersions('sh: 1: cannot open'), (err: Error) => err instanceof UpgradeError && /could not be read/.test(err.message));
  assert.throws(() => readVersions('[1]'), (err: Error) => err instanceof UpgradeError && /not an object/.test(err.message));
});

const image = (carried?: ImageInfo['carried']) => ({ name: 'debian-trixie', packages: {}, ...(carried && { carried }) }) as unknown as ImageInfo;
const noGuest = { exec: () => assert.unreachable('nothing may run') } as unknown as Guest;

test('an image without a candidate, or a package it does not carry, is an error before anything runs', async () => {
  await upgradeGuest(noGuest, image(), {}, ['systemd'], 1000).then(
    () => assert.unreachable(),
    (err: Error) => assert.match(err.message, 'image debian-trixie carries no candidate to upgrade to: give it a CARRY-SUITE in images/debian/images.list'),
  );
  const candidate = { suite: 'bookworm-backports', packages: { systemd: '254' } };
  await upgradeGuest(noGuest, image(candidate), {}, ['systemd', 'udev'], 1000).then(
    () => assert.unreachable(),
    (err: Error) => assert.match(err.message, '(bookworm-backports) has no udev; it carries: systemd'),
  );
});

test('steps after an upgrade are admitted against the versions installed then', () => {
  const step = { kind: 'run', name: 'after', command: 'true', when: [{ package: 'systemd', range: '>=254', clauses: parseRange('>=254') }] } as unknown as RunStep;
  const gate = new StepGate();
  assert.ok('skip' in gate.admit(step, { systemd: '252.39-1~deb12u2' }), 'the versions the image recorded');
  assert.ok('step' in gate.admit(step, { systemd: '254.26-1~bpo12+1' }), 'the versions the upgrade installed');
});

test.run();
