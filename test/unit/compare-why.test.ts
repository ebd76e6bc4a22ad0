// `harness compare --changes DIR`: what each step touched (read from its scenario), and the
// report citing the paragraphs of the newer systemd's changelog.Debian and NEWS that name
// it, or saying that none does. The texts are excerpts of the real trixie package
// (test/fixtures/changes/ORIGIN.md); the reports are two small ones written here, standing
// for the lastlog scenario on bookworm (252) and trixie (257).
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareCommand } from '../../harness/compare/command.js';
import { touchedIn } from '../../harness/commands/compare.js';
import { loadScenarioFile } from '../../harness/load/load.js';
import { programsOf, touchedBySteps } from '../../harness/load/touched.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

const LASTLOG = path.join(REPO_ROOT, 'scenarios/pam/lastlog.yaml');
const FILE_STEP = 'lastlog is 0664 root:utmp up to 256, moved aside by lastlog2-import or never made from 257';
const TMPFILES_STEP = 'tmpfiles declares all three';

test('what a step touched: the paths it names, the programs its command runs, the settings it reads', async () => {
  const touched = touchedBySteps(await loadScenarioFile(LASTLOG));
  assert.equal(touched.get(FILE_STEP), { settings: [], paths: ['/var/log/lastlog'], programs: [] });
  assert.equal(touched.get(TMPFILES_STEP)?.programs, ['systemd-tmpfiles'], 'grep, awk and sort are how it looks, not what it is about');
  assert.equal(touched.get('lastlog2-import imports a legacy lastlog once and moves it aside'), {
    settings: ['LoadState', 'ActiveState', 'ConditionResult'],
    paths: ['/var/log/lastlog.migrated'],
    programs: ['systemctl'],
  });
  const features = touchedBySteps(await loadScenarioFile(path.join(REPO_ROOT, 'scenarios/confinement/features.yaml')));
  assert.ok(features.get('the unit\'s own SystemCallFilter still applies when confined')?.settings.includes('SystemCallFilter'), 'a service step reads what its service was given');
});

test('programs of a shell command: each simple command\'s first word, not its strings, redirections or assignments', () => {
  assert.equal(programsOf('rm -f /x && systemd-tmpfiles --create\nfor f in a b; do stat -c %n $f 2>/dev/null || echo "$f absent"; done'), ['systemd-tmpfiles']);
  assert.equal(programsOf('LANG=C /usr/bin/lslogins --output USER | awk \'{print "systemctl"}\''), ['lslogins']);
  assert.equal(programsOf('cat /proc/$(systemctl show -p MainPID --value x.service)/environ'), ['systemctl']);
  assert.equal(programsOf('if ! lastlog2 --active; then sudo loginctl list-sessions; fi # journalctl'), ['lastlog2', 'loginctl']);
});

/** A harness report with the lastlog scenario's two steps on one image. */
function report(image: string, systemd: string, lastlog: { exists: boolean }, tmpfiles: string, file = 'scenarios/pam/lastlog.yaml'): string {
  const observed = (o: object) => `----- harness observed (JSON) -----\n${JSON.stringify(o).replace(/"/g, '&quot;')}\n----- end of harness observed -----`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="harness" tests="2" failures="0" errors="0" skipped="0" time="1">
  <testsuite name="pam, lastlog wtmp and btmp, and what replaced lastlog" tests="2" failures="0" errors="0" skipped="0" time="1" timestamp="2026-12-07T20:00:00" hostname="vm" id="0" package="scenarios.pam.lastlog" file="${file}">
    <properties>
      <property name="image" value="${image}"/>
      <property name="package.systemd" value="${systemd}"/>
      <property name="systemd.version" value="${systemd.split('.')[0]}"/>
    </properties>
    <testcase name="${FILE_STEP}" classname="scenarios.pam.lastlog.file" time="0.5"><system-out>$ stat /var/log/lastlog\n${observed(lastlog)}</system-out></testcase>
    <testcase name="${TMPFILES_STEP}" classname="scenarios.pam.lastlog.run" time="0.5"><system-out>$ systemd-tmpfiles --cat-config\n${observed({ exit: 0, stdout: tmpfiles })}</system-out></testcase>
  </testsuite>
</testsuites>
`;
}

async function setUp() {
  const dir = await tempDir('harness-why-');
  await writeFile(path.join(dir, 'old.xml'), report('debian-bookworm', '252.39-1~deb12u2', { exists: true }, '/var/log/lastlog 0664 root utmp', LASTLOG));
  await writeFile(path.join(dir, 'new.xml'), report('debian-trixie', '257.13-1~deb13u1', { exists: false }, '', LASTLOG));
  const changes = path.join(dir, 'changes');
  await mkdir(changes);
  const fixtures = path.join(REPO_ROOT, 'test/fixtures/changes');
  await copyFile(path.join(fixtures, 'systemd_257.13-1~deb13u1.changelog.Debian'), path.join(changes, 'changelog.Debian'));
  await copyFile(path.join(fixtures, 'systemd_257.13-1~deb13u1.NEWS'), path.join(changes, 'NEWS'));
  return { dir, changes };
}

function sink() {
  let text = '';
  return { write: (chunk: string) => (text += chunk), get text() { return text; } };
}

test('the report cites the paragraphs naming what a changed step touched, and says so where none does', async () => {
  const { dir, changes } = await setUp();
  for (const format of ['markdown', 'text', 'html']) {
    const out = sink();
    const err = sink();
    const code = await compareCommand([path.join(dir, 'old.xml'), path.join(dir, 'new.xml')], { format, changes, touchedIn, stdout: out, stderr: err });
    assert.is(code, 0, err.text);
    const plain = out.text.replace(/\\/g, '');
    assert.match(plain, /systemd 252\.39-1~deb12u2 → 257\.13-1~deb13u1: 5 Debian changelog entries, 3 NEWS section\(s\) between them/, format);
    assert.match(plain, /names path \/var\/log\/lastlog/, format);
    assert.match(out.text, /--purge switch now requires specification/, `${format}: the tmpfiles paragraph of NEWS 257 is cited`);
  }
  const md = sink();
  await compareCommand([path.join(dir, 'old.xml'), path.join(dir, 'new.xml')], { format: 'markdown', changes, touchedIn, stdout: md, stderr: sink() });
  assert.match(md.text, /_no changelog entry or NEWS paragraph between 252\.39-1\\~deb12u2 and 257\.13-1\\~deb13u1 names path /);
  assert.match(md.text, /- NEWS 257, systemd-tmpfiles, names `systemd-tmpfiles`:/);
  assert.match(md.text, /<details><summary>The Debian changelog entries and NEWS sections between them<\/summary>/);
  assert.match(md.text, /systemd \(256\.5-2\) unstable; urgency=medium|systemd \(256\.5-2\) unstable/);
  assert.match(md.text, /Disable utmp support, replaced by wtmpdb/, 'the full entries are in the report');
});

test('without --changes nothing is cited; bad --changes input is named, nothing guessed', async () => {
  const { dir, changes } = await setUp();
  const plain = sink();
  await compareCommand([path.join(dir, 'old.xml'), path.join(dir, 'new.xml')], { format: 'markdown', stdout: plain, stderr: sink() });
  assert.not.match(plain.text, /What the changelog says/);

  const empty = await tempDir('harness-why-empty-');
  const err = sink();
  assert.is(await compareCommand([path.join(dir, 'old.xml'), path.join(dir, 'new.xml')], { changes: empty, touchedIn, stdout: sink(), stderr: err }), 2);
  assert.match(err.text, /--changes .*: neither changelog.Debian.gz nor changelog.Debian is there/);

  const reversed = sink();
  assert.is(await compareCommand([path.join(dir, 'new.xml'), path.join(dir, 'old.xml')], { changes, touchedIn, stdout: sink(), stderr: reversed }), 2);
  assert.match(reversed.text, /the first report has the newer systemd \(257\.13-1~deb13u1 after 252\.39-1~deb12u2\): give the older report first/);

  await writeFile(path.join(dir, 'gone-old.xml'), report('debian-bookworm', '252.39-1~deb12u2', { exists: true }, 'x', '/nowhere/lastlog.yaml'));
  await writeFile(path.join(dir, 'gone.xml'), report('debian-trixie', '257.13-1~deb13u1', { exists: false }, '', '/nowhere/lastlog.yaml'));
  const gone = sink();
  assert.is(await compareCommand([path.join(dir, 'gone-old.xml'), path.join(dir, 'gone.xml')], { format: 'text', changes, touchedIn, stdout: gone, stderr: sink() }), 0);
  assert.match(gone.text, /touched: unknown/);
  assert.match(gone.text, /what the step touched is unknown \(\/nowhere\/lastlog.yaml could not be read as a scenario: .*\), so no paragraph is cited/);
});

test.run();
