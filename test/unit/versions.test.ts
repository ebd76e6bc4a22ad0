import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareDebianVersions, parseDebianVersion } from '../../harness/versions/debian.js';
import { parseRange, rangeHolds } from '../../harness/versions/range.js';
import { stepForVersions } from '../../harness/runner/condition.js';
import { loadScenarioText } from '../../harness/load/load.js';
import type { PamStep } from '../../harness/checks/pam.js';
import type { RunStep } from '../../harness/checks/run.js';

// Versions the shipped images record, and the corners of deb-version(7): epochs, tildes,
// revisions, letters against digits, leading zeros.
const VERSIONS = [
  '252.39-1~deb12u2', '252.39-1', '252.39', '252', '252~rc1', '254.26-1~bpo12+1', '257.13-1', '257~rc2-1', '262-1', '262.1-1',
  '1:4.13+dfsg1-1+deb12u2', '1:4.16.0-2+really2.40.2-3', '4.17', '2.38.1-5+deb12u3', '2.41-5', '2.41', '2.41a', '2.41+b1',
  '20210907.00-1+b3', '20250612.00-1', '1.0', '1.00', '1.0-0', '1.0~', '1.0~~', '1.0a~', 'a1', '0:1.0',
];

/** dpkg's own answers for every pair, from one shell (spawning per pair takes seconds). */
function dpkgOrder(pairs: Array<[string, string]>): number[] {
  const script = pairs
    .map(([a, b]) => `if dpkg --compare-versions '${a}' lt '${b}'; then echo -1; elif dpkg --compare-versions '${a}' gt '${b}'; then echo 1; else echo 0; fi`)
    .join('\n');
  return execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim().split('\n').map(Number);
}

test('Debian versions order as dpkg --compare-versions orders them', () => {
  const parseable = VERSIONS.filter((v) => parseDebianVersion(v));
  assert.equal(VERSIONS.filter((v) => !parseable.includes(v)), ['a1'], 'only "a1" (no leading digit) is refused');
  const pairs = parseable.flatMap((a, i) => parseable.slice(i).map((b) => [a, b] as [string, string]));
  const theirs = dpkgOrder(pairs);
  pairs.forEach(([a, b], i) => {
    assert.is(Math.sign(compareDebianVersions(a, b)), theirs[i], `${a} vs ${b}: dpkg says ${theirs[i]}`);
    assert.is(Math.sign(compareDebianVersions(b, a)), -theirs[i] || 0, `${b} vs ${a}`);
  });
});

test('ranges: operators, several clauses, and a bare version as a release series', () => {
  assert.equal(parseRange('>=254 <257'), [{ op: '>=', version: '254' }, { op: '<', version: '257' }]);
  assert.equal(parseRange('252'), [{ op: 'series', version: '252' }]);
  assert.ok(rangeHolds(parseRange('>=257'), '257.13-1'));
  assert.not.ok(rangeHolds(parseRange('>=257'), '257~rc2-1'), 'a release candidate comes before the release');
  assert.ok(rangeHolds(parseRange('<257'), '254.26-1~bpo12+1'));
  assert.ok(rangeHolds(parseRange('>=254, <257'), '254.26-1~bpo12+1'));
  assert.ok(rangeHolds(parseRange('252'), '252.39-1~deb12u2'));
  assert.not.ok(rangeHolds(parseRange('25'), '252.39-1~deb12u2'), '25 is not the start of the 252 series');
  assert.ok(rangeHolds(parseRange('4.13'), '1:4.13+dfsg1-1+deb12u2'), 'a series without an epoch matches any epoch');
  assert.ok(rangeHolds(parseRange('=252.39-1~deb12u2'), '252.39-1~deb12u2'));
  assert.throws(() => parseRange('=>257'), /"=>257" is not a version clause/);
  assert.throws(() => parseRange('>=x'), /"x" in ">=x" is not a Debian version/);
  assert.throws(() => parseRange(' '), /got empty text/);
});

const SCENARIO = `name: t
image: debian
steps:
  - name: hibernation is refused
    run: systemctl hibernate
    when: {systemd: ">=254"}
    expect:
      - when: {systemd: "<257"}
        exit: 1
        stderr: {contains: 'Sleep verb "hibernate" not supported'}
      - exit: 1
        stderr: {contains: "not supported"}
  - pam: {service: login, user: root, op: acct_mgmt}
    expect:
      - when: {google-compute-engine-oslogin: "<20231004"}
        is: success
      - when: {google-compute-engine-oslogin: ">=20231004"}
        is: failure
`;

test('when: and per-version expectations choose what a step expects on each image', () => {
  const [hibernate, pam] = loadScenarioText(SCENARIO, 'x.yaml', {}).steps as [RunStep, PamStep];
  assert.equal(hibernate.when?.map((c) => [c.package, c.range, c.at.line]), [['systemd', '>=254', 6]]);
  assert.is(hibernate.variants?.length, 2);

  assert.equal(stepForVersions(hibernate, { systemd: '252.39-1~deb12u2' }), { skip: 'not for systemd 252.39-1~deb12u2: when systemd >=254' });
  const on254 = stepForVersions(hibernate, { systemd: '254.26-1~bpo12+1' });
  assert.ok('step' in on254 && (on254.step as RunStep).expect.stderr?.contains === 'Sleep verb "hibernate" not supported');
  const on262 = stepForVersions(hibernate, { systemd: '262-1' });
  assert.ok('step' in on262 && (on262.step as RunStep).expect.stderr?.contains === 'not supported', 'the last variant, without when, is the otherwise');

  const old = stepForVersions(pam, { 'google-compute-engine-oslogin': '20210907.00-1+b3' });
  assert.ok('step' in old && (old.step as PamStep).expect === 'success');
  const recent = stepForVersions(pam, { 'google-compute-engine-oslogin': '20250612.00-1' });
  assert.ok('step' in recent && (recent.step as PamStep).expect === 'failure');
  assert.equal(stepForVersions(pam, { 'google-compute-engine-oslogin': null }), {
    skip: 'no expectation for google-compute-engine-oslogin not installed: when google-compute-engine-oslogin <20231004; when google-compute-engine-oslogin >=20231004',
  });
});

test('a step without when: or variants runs everywhere, unchanged', () => {
  const step = loadScenarioText('name: t\nimage: d\nsteps:\n  - run: "true"\n', 'x.yaml', {}).steps[0];
  assert.equal(stepForVersions(step, {}), { step });
});

test.run();
