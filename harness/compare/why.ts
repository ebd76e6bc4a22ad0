// Why an outcome or an observation changed, as far as the package's own texts say: for the
// two systemd versions compared, the Debian changelog entries and upstream NEWS sections
// between them, and beside each changed step the paragraphs naming what the step touched,
// or the words that none names it. Pure: the texts and what each step touched come in.
import type { ChangesBetween } from '../archive/changelog.js';
import { cite, type StepCitations, type Touched } from '../archive/cite.js';
import type { Comparison, StepRow } from './model.js';

export interface RowWhy {
  scenario: string;
  step: string;
  /** Absent: the scenario file could not be read, so what the step touched is unknown. */
  touched?: Touched;
  /** Why touched is unknown. */
  unknown?: string;
  cited: StepCitations;
}

export interface Why {
  older: string;
  newer: string;
  /** Column indexes whose systemd these are. */
  from: number;
  to: number;
  changes: ChangesBetween;
  rows: RowWhy[];
}

/** What a step touched, by scenario and step name; a string says why it is unknown. */
export type TouchedLookup = (scenario: string, step: string) => Touched | string;

/** The systemd package of each column (the suites' package.systemd), undefined where not said. */
export function systemdPackages(comparison: Comparison): Array<string | undefined> {
  const row = comparison.environment.find((r) => r.name === 'package.systemd');
  if (row) return row.values;
  // reports from before package.* properties: "systemd 252 (252.39-1~deb12u2)"
  const full = comparison.environment.find((r) => r.name === 'systemd.full');
  return full ? full.values.map((v) => /\(([^)]+)\)\s*$/.exec(v ?? '')?.[1]) : comparison.columns.map(() => undefined);
}

export function explain(comparison: Comparison, changes: ChangesBetween, touched: TouchedLookup): Why {
  const packages = systemdPackages(comparison);
  const from = packages.indexOf(changes.older);
  const to = packages.lastIndexOf(changes.newer);
  const rows = [...comparison.outcomeChanges, ...comparison.observationChanges].map((row) => rowWhy(row, changes, touched));
  return { older: changes.older, newer: changes.newer, from, to, changes, rows };
}

function rowWhy(row: StepRow, changes: ChangesBetween, touched: TouchedLookup): RowWhy {
  const found = touched(row.scenario, row.name);
  if (typeof found === 'string') return { scenario: row.scenario, step: row.name, unknown: found, cited: { citations: [], unnamed: [] } };
  return { scenario: row.scenario, step: row.name, touched: found, cited: cite(found, changes.paragraphs) };
}

/** "no changelog entry names path /var/log/lastlog, program lastlog2" (NEWS included). */
export function unnamedSentence(why: Why, row: RowWhy): string | undefined {
  if (row.unknown) return `what the step touched is unknown (${row.unknown}), so no paragraph is cited`;
  if (!row.touched || row.cited.unnamed.length === 0) return undefined;
  const all = row.cited.citations.length === 0 ? '' : ' (what else it touched is cited above)';
  return `no changelog entry or NEWS paragraph between ${why.older} and ${why.newer} names ${row.cited.unnamed.join(', ')}${all}`;
}

export function touchedSentence(touched: Touched | undefined): string {
  if (!touched) return 'unknown';
  const parts = [
    touched.settings.length ? `settings ${touched.settings.join(', ')}` : '',
    touched.paths.length ? `paths ${touched.paths.join(', ')}` : '',
    touched.programs.length ? `programs ${touched.programs.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'nothing the step names (no setting, path or program)';
}

/** How many citations a renderer shows per step before "… N more". */
export const SHOWN_CITATIONS = 6;
