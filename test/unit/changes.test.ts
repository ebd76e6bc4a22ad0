// Cutting systemd's changelog.Debian and NEWS to the versions between two packages, splitting
// them into paragraphs, and citing the paragraphs that name what a step touched; on excerpts
// of the real packages' texts (test/fixtures/changes/ORIGIN.md says which lines of which).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  changelogParagraphs,
  changesBetween,
  entriesBetween,
  newsParagraphs,
  parseChangelog,
  parseNews,
  sectionsBetween,
  upstreamOf,
} from '../../harness/archive/changelog.js';
import { cite, namesOf, paragraphNames } from '../../harness/archive/cite.js';
import { compareDebianVersions } from '../../harness/versions/debian.js';
import { REPO_ROOT } from '../support/harness.js';

const fixture = (name: string) => readFileSync(path.join(REPO_ROOT, 'test/fixtures/changes', name), 'utf8');
const CHANGELOG_254 = fixture('systemd_254.26-1~bpo12+1.changelog.Debian');
const NEWS_254 = fixture('systemd_254.26-1~bpo12+1.NEWS');
const CHANGELOG_257 = fixture('systemd_257.13-1~deb13u1.changelog.Debian');
const NEWS_257 = fixture('systemd_257.13-1~deb13u1.NEWS');

test('the version arithmetic the cut relies on (deb-version(7)): ~ before all, + after, epochs first', () => {
  const ordered = ['252.11-1', '252.39-1~deb12u2', '252.39-1', '253~rc2-1', '253', '254~rc1-1', '254-1', '254.26-1~bpo12+1', '254.26-1', '254.26-1+b1', '1:200-1'];
  for (let i = 1; i < ordered.length; i++) assert.ok(compareDebianVersions(ordered[i - 1], ordered[i]) < 0, `${ordered[i - 1]} < ${ordered[i]}`);
  assert.is(upstreamOf('254.26-1~bpo12+1'), '254.26');
  assert.is(upstreamOf('1:4.13+dfsg1-1+deb12u2'), '4.13+dfsg1');
  assert.throws(() => upstreamOf('x1'), /"x1" is not a Debian version/);
});

test('changelog: entries newer than the older package, up to the newer, by version not by place in the file', () => {
  const entries = parseChangelog(CHANGELOG_254);
  assert.is(entries[0].version, '254.26-1~bpo12+1');
  assert.is(entries[0].trailer, 'Luca Boccassi <bluca@debian.org>  Fri, 30 May 2025 15:35:30 +0100');
  const between = entriesBetween(entries, '252.39-1~deb12u2', '254.26-1~bpo12+1').map((e) => e.version);
  assert.is(between[0], '254.26-1~bpo12+1', 'the newer itself is in');
  assert.is(between.at(-1), '253~rc2-1', 'the last is the first 253 pre-release');
  assert.not.ok(between.includes('252.11-1'), '252.11-1 comes later in the file but is older than 252.39');
  assert.is(between.length, 32);
  assert.equal(entriesBetween(entries, '254.22-1~bpo12+1', '254.26-1~bpo12+1').map((e) => e.version), ['254.26-1~bpo12+1'], 'the older itself is out');
  assert.equal(entriesBetween(entries, '254.26-1~bpo12+1', '254.26-1~bpo12+1'), []);
});

test('changelog paragraphs: one per * item with its continuation, credited to [ Name ]', () => {
  const [newest] = parseChangelog(CHANGELOG_254);
  assert.equal(changelogParagraphs(newest).map((p) => p.text), [
    '* New upstream version 254.26 (fixes CVE-2025-4598)',
    '* Refresh patch to remove fuzz from 252.37',
    '* Fix tzdata test dependencies',
  ]);
  const move = parseChangelog(CHANGELOG_254).find((e) => e.version === '254.5-1~bpo12+2')!;
  assert.is(changelogParagraphs(move)[0].text.split('\n').length, 3, 'continuation lines stay with their item');
  const credited = changelogParagraphs(parseChangelog(CHANGELOG_257)[0]);
  assert.equal(credited.map((p) => p.under), ['Luca Boccassi', 'Luca Boccassi', 'Luca Boccassi', 'Tobias Deiminger', 'Tobias Deiminger', 'Tobias Deiminger', 'Tobias Deiminger', 'Tobias Deiminger']);
});

test('NEWS: the sections after the older upstream release, up to the newer one', () => {
  const sections = parseNews(NEWS_254);
  assert.equal(sections.map((s) => s.version), ['254', '253', '252']);
  assert.is(sections[2].title, 'CHANGES WITH 252 🎃');
  assert.equal(sectionsBetween(sections, '252.39-1~deb12u2', '254.26-1~bpo12+1').map((s) => s.version), ['254', '253'], '252.39 is a point release of 252: its section is already out');
  assert.equal(sectionsBetween(sections, '253-1', '254~rc1-1').map((s) => s.version), [], 'a pre-release of 254 is before 254');
  assert.equal(sectionsBetween(parseNews(NEWS_257), '252.39-1~deb12u2', '257.13-1~deb13u1').map((s) => s.version), ['257', '256', '255']);
  assert.equal(parseNews('CHANGES WITH 258 in spe:\n\n        * x\n').map((s) => s.version), ['258~']);
  assert.throws(() => parseNews('hello\n', 'NEWS.gz'), /NEWS.gz: no "CHANGES WITH N:" section in it/);
  assert.throws(() => parseChangelog('hello\n', 'changelog.Debian.gz'), /changelog.Debian.gz: no changelog entry/);
});

test('NEWS paragraphs: a bullet keeps its second paragraph and stands under its subheading', () => {
  const paragraphs = newsParagraphs(parseNews(NEWS_254)[0]);
  const userUnits = paragraphs.find((p) => p.text.startsWith('* Behaviour of sandboxing options'))!;
  assert.is(userUnits.under, 'Announcements of Future Feature Removals and Incompatible Changes');
  assert.match(userUnits.text, /appear as owned by 'nobody'\) in the user unit\.\n\nBy definition a sandboxed user unit/);
  assert.ok(userUnits.text.endsWith('2022-December/048682.html'));
  assert.is(paragraphs.filter((p) => p.text.startsWith('* When the system hibernates')).length, 1);
});

test('a step\'s subjects are cited where a paragraph names them, and said unnamed where none does', () => {
  const changes = changesBetween(CHANGELOG_254, NEWS_254, '252.39-1~deb12u2', '254.26-1~bpo12+1');
  assert.is(changes.entries.length, 32);
  assert.equal(changes.sections.map((s) => s.version), ['254', '253']);
  const result = cite({ settings: ['PrivateUsers', 'ProtectSystem'], paths: ['/etc/vconsole.conf'], programs: ['systemd-boot-random-seed'] }, changes.paragraphs);
  assert.equal(result.citations.map((c) => [c.paragraph.source, c.paragraph.version, c.names]), [
    ['changelog', '253-4', ['/etc/vconsole.conf']],
    ['changelog', '253~rc2-1', ['systemd-boot-random-seed']],
    ['NEWS', '254', ['PrivateUsers']],
    ['NEWS', '253', ['PrivateUsers']],
  ]);
  assert.equal(result.unnamed, ['setting ProtectSystem']);
});

test('lastlog, 252 → 257: the texts name utmp, not /var/log/lastlog; tmpfiles paragraphs are cited for systemd-tmpfiles', () => {
  const changes = changesBetween(CHANGELOG_257, NEWS_257, '252.39-1~deb12u2', '257.13-1~deb13u1');
  const file = cite({ settings: [], paths: ['/var/log/lastlog'], programs: [] }, changes.paragraphs);
  assert.equal(file.citations, []);
  assert.equal(file.unnamed, ['path /var/log/lastlog']);
  const tmpfiles = cite({ settings: [], paths: ['/var/log'], programs: ['systemd-tmpfiles', 'grep'] }, changes.paragraphs);
  assert.equal(tmpfiles.citations.map((c) => [c.paragraph.version, c.names]), [['257', ['systemd-tmpfiles']], ['257', ['systemd-tmpfiles']]]);
  assert.equal(tmpfiles.unnamed, ['path /var/log', 'program grep']);
  const utmp = cite({ settings: [], paths: ['/var/run/utmp'], programs: [] }, changes.paragraphs);
  assert.equal(utmp.citations, [], 'the utmp entries name utmp, not the path /var/run/utmp');
  assert.equal(utmp.unnamed, ['path /var/run/utmp']);
});

test('names: a word of its own; a path also by a distinctive last part', () => {
  assert.equal(namesOf('path', '/var/log/lastlog'), ['/var/log/lastlog', 'lastlog']);
  assert.equal(namesOf('path', '/sys/module/apparmor/parameters/enabled'), ['/sys/module/apparmor/parameters/enabled']);
  assert.equal(namesOf('path', '/sys/power/disk'), ['/sys/power/disk'], 'a plain word');
  assert.equal(namesOf('path', '/var/run/utmp'), ['/var/run/utmp'], 'four letters: too short to be distinctive');
  assert.equal(namesOf('path', '/dev/full'), ['/dev/full'], 'full is an English word');
  assert.equal(namesOf('path', '/var/lib/lastlog/lastlog2.db'), ['/var/lib/lastlog/lastlog2.db', 'lastlog2.db']);
  assert.equal(namesOf('path', '/proc/sys/kernel/kexec_load_disabled'), ['/proc/sys/kernel/kexec_load_disabled', 'kexec_load_disabled']);
  assert.equal(namesOf('setting', 'Type'), ['Type='], 'a one-word setting only as written in a unit');
  assert.ok(paragraphNames('that uses Type=notify.', 'Type='));
  assert.not.ok(paragraphNames('the SMBIOS Type 1 field', 'Type='));
  assert.ok(paragraphNames('the utmp/wtmp/lastlog/btmp files', 'lastlog'));
  assert.not.ok(paragraphNames('lastlog2 replaces it', 'lastlog'));
  assert.ok(paragraphNames('now imply PrivateUsers=yes', 'PrivateUsers'));
  assert.not.ok(paragraphNames('PrivateUsersEx= is new', 'PrivateUsers'));
  assert.ok(paragraphNames("systemctl's new verb", 'systemctl'));
  assert.not.ok(paragraphNames('systemctl-foo runs', 'systemctl'));
  assert.ok(paragraphNames('under /run/nextroot/ when', '/run/nextroot'));
  assert.not.ok(paragraphNames('see /run/nextroot.d', '/run/nextroot'));
});

test('texts of the wrong package or order are refused with the reason', () => {
  assert.throws(() => changesBetween(CHANGELOG_254, NEWS_254, '254.26-1~bpo12+1', '252.39-1~deb12u2'), /systemd 254.26-1~bpo12\+1 is not older than 252.39-1~deb12u2/);
  assert.throws(() => changesBetween(CHANGELOG_254, NEWS_254, '252.39-1~deb12u2', '257.13-1~deb13u1'), /the changelog given ends at 254.26-1~bpo12\+1, before systemd 257.13-1~deb13u1/);
  assert.throws(() => parseChangelog('systemd (x.1) unstable; urgency=low\n', 'c'), /c:1: "x.1" is not a Debian version/);
});

test.run();
