// Which paragraphs of the changes between two versions name what a step touched: the unit
// settings it read or set, the paths it looked at, the programs it ran. A paragraph is
// cited only when it names one of them as written; a subject no paragraph names is said
// so, never guessed at. Pure.
import type { Paragraph } from './changelog.js';

export type SubjectKind = 'setting' | 'path' | 'program';

/** What a step touched. */
export interface Touched {
  settings: string[];
  paths: string[];
  programs: string[];
}

export interface Citation {
  paragraph: Paragraph;
  /** The words of the paragraph that named a subject, e.g. "/var/log/lastlog", "PrivateUsers=". */
  names: string[];
}

export interface StepCitations {
  citations: Citation[];
  /** Subjects no paragraph names, as "setting PrivateUsers", "path /var/log/lastlog". */
  unnamed: string[];
}

/** A path's last part names it too when it is distinctive: a name with a dot, dash,
 *  underscore or digit in it (kexec_load_disabled, lastlog2.db), or a word of six letters
 *  or more that is not a plain one (lastlog, passwd); "full" of /dev/full is English. */
const PLAIN_BASENAMES = new Set(['enabled', 'disabled', 'status', 'active', 'content', 'config', 'default', 'current', 'parameters', 'devices', 'online', 'system', 'random', 'private', 'public', 'module', 'machine', 'runtime', 'shared']);

function distinctive(base: string): boolean {
  if (/[._\-0-9]/.test(base)) return base.length >= 4;
  return base.length >= 6 && !PLAIN_BASENAMES.has(base);
}

/** The words that, written in a paragraph, name the subject. A setting of one plain word
 *  (Type, User, Nice) names it only as a setting is written, `Type=`. */
export function namesOf(kind: SubjectKind, subject: string): string[] {
  if (kind === 'setting') return [/^[A-Z][a-z0-9]+$/.test(subject) ? `${subject}=` : subject];
  if (kind === 'program') return [subject];
  const trimmed = subject.replace(/\/+$/, '');
  const base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  const names = [trimmed];
  if (base !== trimmed && distinctive(base)) names.push(base);
  return names;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether the paragraph names WORD as a word of its own: "lastlog" is not named by "lastlog2",
 *  nor "systemctl" by "systemctl-foo"; a trailing "=", "'s", "." or "/" still names it. */
export function paragraphNames(text: string, word: string): boolean {
  const after = word.endsWith('=') ? '' : '(?![\\w-]|\\.[\\w])';
  return new RegExp(`(?<![\\w.-])${escape(word)}${after}`).test(text);
}

/** Each paragraph naming a subject (most subjects named first, then the texts' own order), and the subjects none names. */
export function cite(touched: Touched, paragraphs: Paragraph[]): StepCitations {
  const subjects: Array<{ kind: SubjectKind; subject: string; names: string[] }> = [
    ...touched.settings.map((s) => ({ kind: 'setting' as const, subject: s, names: namesOf('setting', s) })),
    ...touched.paths.map((s) => ({ kind: 'path' as const, subject: s, names: namesOf('path', s) })),
    ...touched.programs.map((s) => ({ kind: 'program' as const, subject: s, names: namesOf('program', s) })),
  ];
  const named = new Set<string>();
  const citations: Array<Citation & { order: number }> = [];
  paragraphs.forEach((paragraph, order) => {
    const names: string[] = [];
    for (const subject of subjects) {
      const hit = subject.names.find((word) => paragraphNames(paragraph.text, word));
      if (hit) {
        if (!names.includes(hit)) names.push(hit);
        named.add(`${subject.kind} ${subject.subject}`);
      }
    }
    if (names.length) citations.push({ paragraph, names, order });
  });
  citations.sort((a, b) => b.names.length - a.names.length || a.order - b.order);
  return {
    citations: citations.map(({ paragraph, names }) => ({ paragraph, names })),
    unnamed: subjects.map((s) => `${s.kind} ${s.subject}`).filter((key) => !named.has(key)),
  };
}
