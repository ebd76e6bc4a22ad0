// The two texts Debian's systemd package ships about what changed: debian/changelog
// (changelog.Debian.gz, deb-changelog(5)) and upstream's NEWS (NEWS.gz, "CHANGES WITH 254:"
// sections). Both are cumulative, so the newer package's texts hold everything since the
// older one: cut them to the versions between, and split them into paragraphs a citation
// can quote. Pure.
import { compareDebianVersions, parseDebianVersion } from '../versions/debian.js';

/** A quotable piece: one `*` item of a changelog entry, or one bullet of a NEWS section. */
export interface Paragraph {
  source: 'changelog' | 'NEWS';
  /** The Debian version of its changelog entry, or the upstream version of its NEWS section. */
  version: string;
  /** NEWS: the subheading it stands under ("Service manager:"); changelog: the `[ Name ]` it is credited to. */
  under?: string;
  /** Its lines, indentation removed, joined by newlines. */
  text: string;
}

export interface ChangelogEntry {
  version: string;
  distribution: string;
  /** The body lines between the header and the ` -- ` trailer. */
  body: string[];
  trailer: string;
}

export interface NewsSection {
  /** "254", or "258~" for a "CHANGES WITH 258 in spe:" written before the release. */
  version: string;
  title: string;
  body: string[];
}

/** A text that is not what it claims to be; the message names it and the line. */
export class ChangesTextError extends Error {
  override name = 'ChangesTextError';
}

const ENTRY_HEADER = /^(\S+) \(([^)\s]+)\) ([^;]+);/;

export function parseChangelog(text: string, file = 'changelog.Debian'): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  let current: ChangelogEntry | undefined;
  text.split('\n').forEach((line, i) => {
    const header = ENTRY_HEADER.exec(line);
    if (header) {
      if (!parseDebianVersion(header[2])) throw new ChangesTextError(`${file}:${i + 1}: "${header[2]}" is not a Debian version`);
      current = { version: header[2], distribution: header[3].trim(), body: [], trailer: '' };
      entries.push(current);
    } else if (line.startsWith(' -- ') && current) {
      current.trailer = line.slice(4).trim();
      current = undefined;
    } else if (current) {
      current.body.push(line);
    }
  });
  if (entries.length === 0) throw new ChangesTextError(`${file}: no changelog entry ("package (version) distribution; urgency=…") in it: not a Debian changelog`);
  return entries;
}

/** Entries newer than `older` up to and including `newer`, newest first (as the file orders them). */
export function entriesBetween(entries: ChangelogEntry[], older: string, newer: string): ChangelogEntry[] {
  return entries.filter((e) => compareDebianVersions(e.version, older) > 0 && compareDebianVersions(e.version, newer) <= 0);
}

/** Each `*` item of the entry with its continuation lines; `[ Name ]` lines credit the items below them. */
export function changelogParagraphs(entry: ChangelogEntry): Paragraph[] {
  return bullets(entry.body, { source: 'changelog', version: entry.version }, (line) => /^\s*\[ (.+) \]\s*$/.exec(line)?.[1]);
}

/**
 * The `*` bullets of LINES, each with the lines indented deeper than its star (a blank line
 * inside one, as NEWS has, does not end it). A line no deeper that is not a bullet ends the
 * bullet; HEADING says whether it is a heading the next bullets stand under.
 */
function bullets(lines: string[], of: Pick<Paragraph, 'source' | 'version'>, heading: (line: string) => string | undefined): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  let under: string | undefined;
  let current: { indent: number; lines: string[] } | undefined;
  const flush = () => {
    if (current) paragraphs.push({ ...of, ...(under ? { under } : {}), text: current.lines.join('\n').trim() });
    current = undefined;
  };
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    const star = /^\s*\*\s/.exec(line);
    if (line.trim() === '') {
      if (current) current.lines.push('');
    } else if (star && (!current || indent <= current.indent)) {
      flush();
      current = { indent, lines: [line.trim()] };
    } else if (current && indent > current.indent) {
      current.lines.push(line.trim());
    } else {
      flush();
      under = heading(line) ?? under;
    }
  }
  flush();
  return paragraphs.map((p) => ({ ...p, text: p.text.replace(/\n{3,}/g, '\n\n') }));
}

const SECTION_HEADER = /^CHANGES WITH (\d[\w.~+]*)(?: (in spe))?\b.*:\s*$/;

export function parseNews(text: string, file = 'NEWS'): NewsSection[] {
  const sections: NewsSection[] = [];
  for (const line of text.split('\n')) {
    const header = SECTION_HEADER.exec(line);
    if (header) sections.push({ version: header[2] ? `${header[1]}~` : header[1], title: line.replace(/:\s*$/, ''), body: [] });
    else sections.at(-1)?.body.push(line);
  }
  if (sections.length === 0) throw new ChangesTextError(`${file}: no "CHANGES WITH N:" section in it: not systemd's NEWS`);
  return sections;
}

/** The upstream part of a Debian package version: 254.26-1~bpo12+1 → 254.26. */
export function upstreamOf(packageVersion: string): string {
  const parsed = parseDebianVersion(packageVersion);
  if (!parsed) throw new ChangesTextError(`"${packageVersion}" is not a Debian version`);
  return parsed.upstream;
}

/** Sections of releases after the older package's upstream version, up to the newer one's:
 *  252.39 → 254.26 gives 254 and 253 (252.39 is a point release of 252, already out). */
export function sectionsBetween(sections: NewsSection[], olderPackage: string, newerPackage: string): NewsSection[] {
  const older = upstreamOf(olderPackage);
  const newer = upstreamOf(newerPackage);
  return sections.filter((s) => compareDebianVersions(s.version, older) > 0 && compareDebianVersions(s.version, newer) <= 0);
}

/** Each `*` bullet of the section, under the subheading it follows ("Service manager:"). */
export function newsParagraphs(section: NewsSection): Paragraph[] {
  return bullets(section.body, { source: 'NEWS', version: section.version }, (line) => (/^\s+\S.*:\s*$/.test(line) ? line.trim().replace(/:$/, '') : undefined));
}

/** The changes between two package versions, from the newer package's texts. */
export interface ChangesBetween {
  older: string;
  newer: string;
  entries: ChangelogEntry[];
  sections: NewsSection[];
  paragraphs: Paragraph[];
}

export function changesBetween(changelog: string, news: string, older: string, newer: string): ChangesBetween {
  if (compareDebianVersions(older, newer) >= 0) throw new ChangesTextError(`systemd ${older} is not older than ${newer}: nothing lies between them`);
  const all = parseChangelog(changelog);
  // Cumulative: a newer package's text covers the range, an older one's does not.
  if (compareDebianVersions(all[0].version, newer) < 0) {
    throw new ChangesTextError(`the changelog given ends at ${all[0].version}, before systemd ${newer}: give the newer package's changelog.Debian.gz`);
  }
  const entries = entriesBetween(all, older, newer);
  const sections = sectionsBetween(parseNews(news), older, newer);
  return { older, newer, entries, sections, paragraphs: [...entries.flatMap(changelogParagraphs), ...sections.flatMap(newsParagraphs)] };
}
