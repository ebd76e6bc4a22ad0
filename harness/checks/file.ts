// `file:` — a path in the guest: whether it exists, its content, mode and owners.
import { shellQuote } from '../guest/quote.js';
import { describeMismatch, matchText } from '../scenario/matchers.js';
import type { FileStep } from '../scenario/types.js';
import type { Observation } from '../report/observed.js';
import { observing, verdict, type CheckContext, type CheckResult } from './context.js';
import { observedFileType, observedMode, observedText } from './observe.js';

const ABSENT = '__harness_absent__';

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
