// `run:` — a shell command in the guest, with its exit status and output matched.
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { StepBase, TextMatcher } from '../scenario/types.js';
import type { Reader, Value } from '../scenario/read.js';
import { readTextMatcher } from '../scenario/read-matchers.js';
import { defaultName, readSavedName, readServiceRef } from '../scenario/read-values.js';
import type { StepInput, StepKind } from './kind.js';
import { enterCommand, serviceProcess } from '../confinement/process.js';
import type { ExecResult } from '../guest/guest.js';
import { NO_MAIN_PROCESS, observing, transcript, verdict, type CheckContext, type CheckResult } from './context.js';
import { observedText } from './observe.js';
import { SAVED_NAME } from '../scenario/saved.js';

export interface RunExpect {
  exit: number;
  stdout?: TextMatcher;
  stderr?: TextMatcher;
}

export interface RunStep extends StepBase {
  kind: 'run';
  command: string;
  user?: string;
  in?: string; // a service name: run inside its namespaces (confinement issue)
  expect: RunExpect;
}

export const runKind: StepKind<RunStep> = {
  name: 'run',
  read: readRunStep,
  check: checkRun,
  schema: {
    subject: { type: 'string', description: 'a shell command, run as root unless `user:` says otherwise', pattern: '\\S' },
    keys: {
      user: { type: 'string', description: 'run as this user', pattern: '\\S' },
      in: { $ref: '#/definitions/serviceRef', description: 'run inside this running service: its namespaces, root and ids' },
      save: {
        type: 'string',
        pattern: SAVED_NAME.source,
        description: 'keep the command\'s stdout (blanks at both ends trimmed) under this name: later steps write ${{ NAME }} where it goes. Kept only when the step passes.',
      },
    },
    expect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        exit: { type: 'integer', minimum: 0, maximum: 255, default: 0 },
        stdout: { $ref: '#/definitions/textMatcher' },
        stderr: { $ref: '#/definitions/textMatcher' },
      },
    },
    rules: { not: { required: ['user', 'in'] } },
  },
};

export async function checkRun(step: RunStep, ctx: CheckContext): Promise<CheckResult> {
  if (step.in !== undefined) return checkRunIn(step, step.in, ctx);
  const result = await ctx.guest.exec(step.command, { user: step.user, timeoutMs: ctx.commandTimeoutMs() });
  return judgeRun(step, result, transcript(step.command, result, step.user));
}

/** `run … in: SERVICE`: inside the running service, with the chroot's own /bin/sh. */
async function checkRunIn(step: RunStep, service: string, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(service);
  const process = await serviceProcess(ctx.guest, unit, ctx.commandTimeoutMs());
  if (!process) return observing(verdict([`${unit} has no running main process to run in`], `$ systemctl show -p MainPID ${unit}\n0`), NO_MAIN_PROCESS);
  const result = await ctx.guest.exec(enterCommand(process, step.command), { timeoutMs: ctx.commandTimeoutMs() });
  return judgeRun(step, result, transcript(step.command, result, `uid ${process.uid} gid ${process.gid} in ${unit}`));
}

export function judgeRun(step: RunStep, result: ExecResult, output: string): CheckResult {
  const mismatches: string[] = [];
  if (result.exitCode !== step.expect.exit) {
    const said = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    mismatches.push(`exit: expected ${step.expect.exit}, got ${result.exitCode}${said ? ` (${said.slice(0, 200)})` : ''}`);
  }
  const streams: [string, TextMatcher | undefined, string][] = [
    ['stdout', step.expect.stdout, result.stdout],
    ['stderr', step.expect.stderr, result.stderr],
  ];
  for (const [what, matcher, actual] of streams) {
    if (!matcher) continue;
    const match = matchText(matcher, actual);
    if (!match.ok) mismatches.push(describeMismatch(what, match.expected, actual));
  }
  const judged = observing(verdict(mismatches, output), {
    exit: result.exitCode,
    stdout: observedText(result.stdout),
    stderr: observedText(result.stderr),
  });
  return step.save === undefined ? judged : { ...judged, value: result.stdout.trim() };
}

function readRunStep({ r, subject, fields, base, services }: StepInput): RunStep | undefined {
  const command = r.nonEmptyString(subject, 'a shell command');
  const userField = fields.get('user');
  const user = userField && r.nonEmptyString(userField, 'a user name');
  const inField = fields.get('in');
  const inService = inField && readServiceRef(r, inField, services);
  // Inside a service the command runs with the service's own ids; another user would be a guess.
  if (inField && userField) r.failAtKey(userField, '`user` and `in` do not combine: `run … in:` runs as the service\'s own user');
  const expectField = fields.get('expect');
  const expect = expectField ? readRunExpect(r, expectField) : { exit: 0 };
  const saveField = fields.get('save');
  const save = saveField && readSavedName(r, saveField);
  if (command === undefined || expect === undefined) return undefined;
  const step: RunStep = { kind: 'run', ...base(defaultName('run', command)), command, expect };
  if (user !== undefined) step.user = user;
  if (save !== undefined) step.save = save;
  if (inService !== undefined) step.in = inService;
  return step;
}

function readRunExpect(r: Reader, v: Value): RunExpect | undefined {
  const fields = r.fields(v, ['exit', 'stdout', 'stderr'], 'the expectations of a `run` step');
  if (!fields) return undefined;
  const exitField = fields.get('exit');
  const expect: RunExpect = { exit: (exitField ? r.integer(exitField, 0, 255) : 0) ?? 0 };
  for (const stream of ['stdout', 'stderr'] as const) {
    const field = fields.get(stream);
    const matcher = field && readTextMatcher(r, field);
    if (matcher) expect[stream] = matcher;
  }
  return expect;
}
