// `journal:` — a unit's journal since the scenario began (or since the guest booted, with
// `since: boot`), matched as text. The unit is a declared service, or any unit of the image
// named with its suffix (lastlog2-import.service).
import { isScalar } from 'yaml';
import { shellQuote } from '../util/quote.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { StepBase, TextMatcher } from '../scenario/types.js';
import { readTextMatcher } from '../scenario/read-matchers.js';
import { readServiceCheck, SERVICE_SUBJECT, type StepInput, type StepKind } from './kind.js';
import { observing, transcript, verdict, type CheckContext, type CheckResult } from './context.js';
import { journalLinesAbout } from './observe.js';
import { requireKnownUnit, unitProperties } from './unit.js';

export interface JournalStep extends StepBase {
  kind: 'journal';
  service: string;
  /** `scenario` (default): since the scenario's guest started; `boot`: the whole current
   *  boot, which for a restored guest began when its snapshot was made. */
  since: 'scenario' | 'boot';
  /** Matched against the unit's journal since then. */
  expect: TextMatcher;
}

/** A unit of the image rather than a declared service: written with its type's suffix. */
const IMAGE_UNIT = /\.(service|socket|timer|mount|automount|path|target|slice|scope|swap|device)$/;
const SINCE = ['scenario', 'boot'] as const;

export const journalKind: StepKind<JournalStep> = {
  name: 'journal',
  read: readJournalStep,
  check: checkJournal,
  schema: {
    subject: {
      anyOf: [SERVICE_SUBJECT, { type: 'string', pattern: IMAGE_UNIT.source, description: 'a unit of the image, with its suffix' }],
      description: 'a service declared under `services:`, or a unit of the image named with its suffix (lastlog2-import.service)',
    },
    keys: {
      since: {
        enum: [...SINCE],
        description: 'scenario (default): since the guest started for this scenario; boot: the whole current boot (for a restored guest, from when its snapshot was made: what ran at boot)',
      },
    },
    expect: { $ref: '#/definitions/textMatcher' },
    expectRequired: true,
    expectDescription: "matched against the unit's journal since the scenario began (or the boot, `since: boot`); a unit systemd does not know is an error",
  },
};

export async function checkJournal(step: JournalStep, ctx: CheckContext): Promise<CheckResult> {
  const named = ctx.unitOf(step.service);
  // journalctl -u matches the name as written: an alias (sshd.service for ssh.service)
  // has no journal of its own, so the unit's own name (Id) is asked for.
  const properties = await unitProperties(ctx.guest, named, ['LoadState', 'Id'], ctx.commandTimeoutMs());
  requireKnownUnit(named, properties);
  const unit = properties.get('Id') || named;
  // Without a recorded start, the whole boot: a scenario's guest boots for it alone.
  const since = step.since === 'scenario' && ctx.guestStartEpoch !== undefined ? `--since @${ctx.guestStartEpoch}` : '-b';
  const command = journalQuery(unit, since);
  // --sync: what journald has received is on disk before the query reads it.
  const result = await ctx.guest.exec(`journalctl --sync 2>/dev/null; ${command}`, { timeoutMs: ctx.commandTimeoutMs() });
  const mismatches: string[] = [];
  if (result.exitCode !== 0) mismatches.push(`journalctl exited ${result.exitCode}: ${result.stderr.trim()}`);
  const match = matchText(step.expect, result.stdout);
  if (!match.ok) mismatches.push(describeMismatch(`journal of ${unit}`, match.expected, result.stdout));
  const about = journalLinesAbout(step.expect, result.stdout);
  return observing(verdict(mismatches, transcript(command, result)), { matchingLines: about.matching, lines: about.lines });
}

/**
 * The unit's messages: those its own processes logged (_SYSTEMD_UNIT), and those systemd
 * logged about it (UNIT=) — from any pid, not only from pid 1 as `journalctl -u` asks.
 * systemd's forked child that sets up a service (sd-executor from 255) logs the reason a
 * start failed with UNIT= and then exits at once; when journald reads the datagram after
 * the child is gone it cannot learn its cgroup, so the line has no _SYSTEMD_UNIT and
 * `-u` never shows it, however long a step waits (a 1-in-37 red on bookworm).
 */
export function journalQuery(unit: string, since: string): string {
  const matches = ['_SYSTEMD_UNIT', 'UNIT', 'OBJECT_SYSTEMD_UNIT', 'COREDUMP_UNIT'].map((field) => shellQuote(`${field}=${unit}`));
  return `journalctl ${since} --no-pager -q ${matches.join(' + ')}`;
}

function readJournalStep(input: StepInput): JournalStep | undefined {
  const { r, subject, fields } = input;
  const imageUnit = isScalar(subject.node) && typeof subject.node.value === 'string' && IMAGE_UNIT.test(subject.node.value);
  // a unit of the image is no service of the scenario's: there is no declaration to check it against
  const step = readServiceCheck(imageUnit ? { ...input, services: undefined } : input, 'journal', '{notContains: "Failed to create"}', (r, v) => readTextMatcher(r, v));
  const sinceField = fields.get('since');
  const since = sinceField ? r.oneOf(sinceField, SINCE) : 'scenario';
  if (step === undefined || since === undefined) return undefined;
  return { ...step, since };
}
