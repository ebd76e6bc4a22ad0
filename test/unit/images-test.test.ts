// `harness images test NAME`: the two runs (stood in for by reports written here, as the
// real runs boot guests: docs/upgrades.md has the real one), the compare, the exit status
// and the summary line; the newer systemd's changelog and NEWS fetched from the real
// archive (bookworm-backports' 254) and cited.
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchPackageTexts } from '../../harness/archive/package-texts.js';
import { imagesTest } from '../../harness/commands/images-test.js';
import { tempDir } from '../support/harness.js';

const SCENARIO = `name: kernel image protection
image: debian-bookworm
steps:
  - name: systemctl hibernate is refused
    run: systemctl hibernate
    expect: {exit: 1}
`;

/** A report of the scenario above on IMAGE with systemd SYSTEMD, the step OUTCOME. */
function report(image: string, systemd: string, outcome: 'passed' | 'failed', stderr: string, file: string): string {
  const failure = outcome === 'failed' ? '<failure message="exit: expected 1, got 0" type="failure">x</failure>' : '';
  const observed = JSON.stringify({ exit: 1, stdout: '', stderr }).replace(/"/g, '&quot;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="harness" tests="1" failures="${outcome === 'failed' ? 1 : 0}" errors="0" skipped="0" time="1">
  <testsuite name="kernel image protection" tests="1" failures="${outcome === 'failed' ? 1 : 0}" errors="0" skipped="0" time="1" timestamp="2026-12-07T20:00:00" hostname="vm" id="0" package="scenarios.k" file="${file}">
    <properties><property name="image" value="${image}"/><property name="package.systemd" value="${systemd}"/></properties>
    <testcase name="systemctl hibernate is refused" classname="scenarios.k.run" time="0.5">${failure}<system-out>$ systemctl hibernate\n----- harness observed (JSON) -----\n${observed}\n----- end of harness observed -----</system-out></testcase>
  </testsuite>
</testsuites>
`;
}

/** An images folder: debian-bookworm-backports (254) and its baseline @252 (bookworm's). */
async function images(): Promise<{ imagesDir: string; scenario: string }> {
  const imagesDir = await tempDir('harness-images-test-');
  const meta = (systemd: string, extra = {}) => JSON.stringify({ release: 'bookworm', systemdSuite: 'bookworm-backports', packages: { systemd }, ...extra });
  await mkdir(path.join(imagesDir, 'debian-bookworm-backports'));
  await writeFile(path.join(imagesDir, 'debian-bookworm-backports/image.json'), meta('254.26-1~bpo12+1'));
  await mkdir(path.join(imagesDir, 'debian-bookworm-backports@252.39-1~deb12u2'));
  await writeFile(path.join(imagesDir, 'debian-bookworm-backports@252.39-1~deb12u2/image.json'), meta('252.39-1~deb12u2', { keptAt: '2026-12-07T22:00:00.000Z', base: '' }));
  const scenario = path.join(imagesDir, 'kernel.yaml');
  await writeFile(scenario, SCENARIO);
  return { imagesDir, scenario };
}

function sink() {
  let text = '';
  return { write: (chunk: string) => (text += chunk), get text() { return text; } };
}

test('an outcome that changed: exit 1, both reports, the compare in Markdown and HTML citing the 254 texts, one summary line', async () => {
  const { imagesDir, scenario } = await images();
  const out = path.join(imagesDir, 'out');
  const ran: string[] = [];
  const run = async (image: string, _paths: string[], junit: string) => {
    ran.push(image);
    const old = image.includes('@');
    await writeFile(junit, report(image, old ? '252.39-1~deb12u2' : '254.26-1~bpo12+1', old ? 'passed' : 'failed', old ? 'Sleep verb "hibernate" not supported' : '', scenario));
    return old ? 0 : 1;
  };
  const log = sink();
  const code = await imagesTest('debian-bookworm-backports', [], { imagesDir, out, log, run });
  assert.is(code, 1, log.text);
  assert.equal(ran, ['debian-bookworm-backports@252.39-1~deb12u2', 'debian-bookworm-backports'], 'the newest baseline first, then the refreshed image');
  for (const file of ['baseline.xml', 'refreshed.xml', 'compare.md', 'compare.html', 'summary.txt', 'systemd_254.26-1~bpo12+1/NEWS.gz']) await access(path.join(out, file));
  const summary = await readFile(path.join(out, 'summary.txt'), 'utf8');
  assert.is(summary.split('\n').length, 2, 'one line');
  assert.match(summary, /^images test debian-bookworm-backports: debian-bookworm-backports@252\.39-1~deb12u2 \(systemd 252\.39-1~deb12u2\) → debian-bookworm-backports \(systemd 254\.26-1~bpo12\+1\): 1 step\(s\) compared, 1 outcome\(s\) changed, 0 observation\(s\) changed; /);
  assert.ok(log.text.trimEnd().endsWith(summary.trim()), 'the summary is the last line printed');
  const md = await readFile(path.join(out, 'compare.md'), 'utf8');
  assert.match(md, /systemd 252\.39-1\\~deb12u2 → 254\.26-1\\~bpo12\+1: 32 Debian changelog entries, 2 NEWS section\(s\) between them/);
  assert.match(md, /kernel image protection › systemctl hibernate is refused\*\*: touched programs systemctl/);
  assert.match(md, /- NEWS 25[34].*names `systemctl`:/, 'a NEWS paragraph naming systemctl is cited');
  assert.match(await readFile(path.join(out, 'compare.html'), 'utf8'), /<section id="why">/);
});

test('no outcome changed: exit 0; a run\'s infrastructure error: exit 3; no baseline: a usage error saying how to make one', async () => {
  const { imagesDir, scenario } = await images();
  const same = async (image: string, _p: string[], junit: string) => {
    await writeFile(junit, report(image, image.includes('@') ? '252.39-1~deb12u2' : '254.26-1~bpo12+1', 'passed', 'x', scenario));
    return 0;
  };
  assert.is(await imagesTest('debian-bookworm-backports', [], { imagesDir, out: path.join(imagesDir, 'o1'), log: sink(), run: same }), 0);
  const broken = async (image: string, p: string[], junit: string) => (await same(image, p, junit), image.includes('@') ? 0 : 3);
  const log = sink();
  assert.is(await imagesTest('debian-bookworm-backports', [], { imagesDir, out: path.join(imagesDir, 'o2'), log, run: broken }), 3);
  assert.match(log.text, /; an infrastructure error in a run \(exit 0, 3\)/);
  const refused = await imagesTest('debian-forky', [], { imagesDir, out: path.join(imagesDir, 'o3'), log: sink(), run: same }).then(() => undefined, (err: Error) => err);
  assert.match(String(refused?.message), /no baseline of debian-forky in .*: `harness images refresh debian-forky` keeps one/);
});

test('a systemd the archive no longer has is named, with what to do instead', async () => {
  const dest = path.join(await tempDir('harness-texts-'), 'systemd_1.0-1');
  const source = { mirror: 'http://deb.debian.org/debian', release: 'bookworm', options: [] };
  const failed = await fetchPackageTexts(source, '1.0-1', dest).then(() => undefined, (err: Error) => err);
  assert.match(String(failed?.message), /systemd 1\.0-1 could not be downloaded from http:\/\/deb\.debian\.org\/debian \(bookworm\): the archive may no longer have it; put its changelog\.Debian\.gz and NEWS\.gz in /);
  assert.match(String(failed?.message), /Version '1\.0-1' for 'systemd' was not found/);
});

test.run();
