// `journal:` — a unit's journal since the scenario began, matched as text.
import { shellQuote } from '../util/quote.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { StepBase, TextMatcher } from '../scenario/types.js';
import { readTextMatcher } from '../scenario/read-matchers.js';
import { readServiceCheck, SERVICE_SUBJECT, type StepInput, type StepKind } from './kind.js';
import { observing, transcript, verdict, type CheckContext, type CheckResult } from './context.js';
import { journalLinesAbout } from './observe.js';

export interface JournalStep extends StepBase {
  kind: 'journal';
  service: string;
  /** Matched against the unit's journal since the scenario began. */
  expect: TextMatcher;
}

export const journalKind: StepKind<JournalStep> = {
  name: 'journal',
  read: readJournalStep,
  check: checkJournal,
  schema: {
    subject: SERVICE_SUBJECT,
    expect: { $ref: '#/definitions/textMatcher' },
    expectRequired: true,
    expectDescription: "matched against the unit's journal since the scenario began",
  },
};

export async function checkJournal(step: JournalStep, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(step.service);
  // Without a recorded start, the whole boot: a scenario's guest boots for it alone.
  const since = ctx.guestStartEpoch !== undefined ? `--since @${ctx.guestStartEpoch}` : '-b';
  const command = `journalctl -u ${shellQuote(unit)} ${since} --no-pager -q`;
  // --sync: what journald has received is on disk before the query reads it.
  const result = await ctx.guest.exec(`journalctl --sync 2>/dev/null; ${command}`, { timeoutMs: ctx.commandTimeoutMs() });
  const mismatches: string[] = [];
  if (result.exitCode !== 0) mismatches.push(`journalctl exited ${result.exitCode}: ${result.stderr.trim()}`);
  const match = matchText(step.expect, result.stdout);
  if (!match.ok) mismatches.push(describeMismatch(`journal of ${unit}`, match.expected, result.stdout));
  const about = journalLinesAbout(step.expect, result.stdout);
  return observing(verdict(mismatches, transcript(command, result)), { matchingLines: about.matching, lines: about.lines });
}

function readJournalStep(input: StepInput): JournalStep | undefined {
  return readServiceCheck(input, 'journal', '{notContains: "Failed to create"}', (r, v) => readTextMatcher(r, v));
}
