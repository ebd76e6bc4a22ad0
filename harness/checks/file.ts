// `file:` — a path in the guest: whether it exists, its content, mode and owners.
import { shellQuote } from '../util/quote.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { StepBase, TextMatcher } from '../scenario/types.js';
import type { Reader, Value } from '../scenario/read.js';
import { readTextMatcher } from '../scenario/read-matchers.js';
import { defaultName, readAbsolutePath, readOwnership } from '../scenario/read-values.js';
import type { StepInput, StepKind } from './kind.js';
import type { Observation } from '../report/observed.js';
import { observing, verdict, type CheckContext, type CheckResult } from './context.js';
import { observedFileType, observedMode, observedText } from './observe.js';

const ABSENT = '__harness_absent__';

export interface FileExpect {
  exists?: boolean;
  content?: TextMatcher;
  mode?: string;
  owner?: string;
  group?: string;
}

export interface FileStep extends StepBase {
  kind: 'file';
  path: string;
  expect: FileExpect;
}

export const fileKind: StepKind<FileStep> = {
  name: 'file',
  read: readFileStep,
  check: checkFile,
  schema: {
    subject: { $ref: '#/definitions/absPath', description: 'a path in the guest' },
    expect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        exists: { type: 'boolean' },
        content: { $ref: '#/definitions/textMatcher' },
        mode: { $ref: '#/definitions/mode' },
        owner: { type: 'string', description: 'a user name', pattern: '\\S' },
        group: { type: 'string', description: 'a group name', pattern: '\\S' },
      },
      // A file expected not to exist has no content, mode or owners to check.
      if: { properties: { exists: { const: false } }, required: ['exists'] },
      then: { not: { anyOf: [{ required: ['content'] }, { required: ['mode'] }, { required: ['owner'] }, { required: ['group'] }] } },
    },
  },
};

export async function checkFile(step: FileStep, ctx: CheckContext): Promise<CheckResult> {
  const path = shellQuote(step.path);
  const statCommand = `if [ -e ${path} ] || [ -L ${path} ]; then stat -c '%a %U %G %F' -- ${path}; else echo ${ABSENT}; fi`;
  const stat = (await ctx.guest.succeed(statCommand, { timeoutMs: ctx.commandTimeoutMs() })).trim();
  const exists = stat !== ABSENT;
  const output = [`$ stat ${step.path}`, exists ? stat : '(does not exist)'];
  const observed: Observation = { exists };
  const mismatches: string[] = [];
  const { expect } = step;

  const wantsExisting = expect.exists ?? true;
  if (exists !== wantsExisting) {
    mismatches.push(`exists: expected ${wantsExisting}, got ${exists}`);
  }
  if (!exists || mismatches.length > 0) return observing(verdict(mismatches, output.join('\n')), observed);

  const [mode, owner, group, ...type] = stat.split(' ');
  Object.assign(observed, { type: observedFileType(type.join(' ')), mode: observedMode(mode), owner, group });
  if (expect.mode !== undefined && parseInt(expect.mode, 8) !== parseInt(mode, 8)) {
    mismatches.push(`mode: expected ${expect.mode}, got ${mode.padStart(4, '0')}`);
  }
  if (expect.owner !== undefined && expect.owner !== owner) mismatches.push(`owner: expected ${expect.owner}, got ${owner}`);
  if (expect.group !== undefined && expect.group !== group) mismatches.push(`group: expected ${expect.group}, got ${group}`);
  if (expect.content !== undefined) {
    const content = await ctx.guest.exec(`cat -- ${path}`, { timeoutMs: ctx.commandTimeoutMs() });
    output.push(`$ cat ${step.path}`, content.stdout.replace(/\n$/, ''));
    observed.content = content.exitCode === 0 ? observedText(content.stdout) : `(unreadable: ${content.stderr.trim()})`;
    if (content.exitCode !== 0) {
      mismatches.push(`content: could not read ${step.path}: ${content.stderr.trim()}`);
    } else {
      const match = matchText(expect.content, content.stdout);
      if (!match.ok) mismatches.push(describeMismatch('content', match.expected, content.stdout));
    }
  }
  return observing(verdict(mismatches, output.join('\n')), observed);
}

function readFileStep({ r, subject, fields, base }: StepInput): FileStep | undefined {
  const path = readAbsolutePath(r, subject);
  const expectField = fields.get('expect');
  const expect = expectField ? readFileExpect(r, expectField) : {};
  if (path === undefined || expect === undefined) return undefined;
  return { kind: 'file', ...base(defaultName('file', path)), path, expect };
}

function readFileExpect(r: Reader, v: Value): FileExpect | undefined {
  const fields = r.fields(v, ['exists', 'content', 'mode', 'owner', 'group'], 'the expectations of a `file` step');
  if (!fields) return undefined;
  const expect: FileExpect = {};
  const exists = fields.get('exists');
  if (exists) expect.exists = r.bool(exists);
  const content = fields.get('content');
  if (content) expect.content = readTextMatcher(r, content);
  Object.assign(expect, readOwnership(r, fields));
  const describesContent = ['content', 'mode', 'owner', 'group'].filter((key) => fields.has(key));
  if (expect.exists === false && describesContent.length > 0) {
    r.fail(exists!.at, exists!.path, `a file expected not to exist has no ${describesContent.join(' or ')} to check`);
  }
  return expect;
}
