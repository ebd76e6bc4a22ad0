// `start:` / `stop:` / `restart:` — act on a unit, then wait for the state that action
// promises. Waits fail fast: a unit that is `failed` will not become active by waiting.
import type { Guest } from '../guest/guest.js';
import { shellQuote } from '../util/quote.js';
import type { StepBase } from '../scenario/types.js';
import { defaultName, readServiceRef } from '../scenario/read-values.js';
import { SERVICE_SUBJECT, type StepInput, type StepKind } from './kind.js';
import type { Observation } from '../report/observed.js';
import { observing, transcript, verdict, type CheckContext, type CheckResult } from './context.js';
import { unitProperties } from './unit.js';
import { giveUp, holds, notYet, waitFor, WaitTimeout } from '../util/wait.js';

export interface ServiceActionStep extends StepBase {
  kind: 'start' | 'stop' | 'restart';
  service: string;
}

/** start, stop and restart: the one check below, each a gating step (later steps assume its state). */
function serviceActionKind(name: ServiceActionStep['kind'], description: string): StepKind<ServiceActionStep> {
  return {
    name,
    read: readServiceAction,
    check: checkServiceAction,
    gating: true,
    schema: { subject: { ...SERVICE_SUBJECT, description } },
  };
}

export const startKind = serviceActionKind('start', 'systemctl start, then wait until active');
export const stopKind = serviceActionKind('stop', 'systemctl stop');
export const restartKind = serviceActionKind('restart', 'systemctl restart');

const STATE_PROPERTIES = ['ActiveState', 'SubState', 'Result', 'Type', 'ExecMainStatus', 'ExecMainCode'];
const DEFAULT_SETTLE_MS = 30_000;
const POLL_MS = 250;

export type Settled = { done: true; ok: boolean; why: string } | { done: false; why: string };

/** After start/restart: active is the goal; failed, or inactive without success, is final. */
export function judgeStarted(p: Map<string, string>): Settled {
  const state = `${p.get('ActiveState')}/${p.get('SubState')} (Result=${p.get('Result')}, ExecMainStatus=${p.get('ExecMainStatus')})`;
  switch (p.get('ActiveState')) {
    case 'active':
    case 'reloading':
      return { done: true, ok: true, why: state };
    case 'failed':
      return { done: true, ok: false, why: state };
    case 'inactive':
      // A oneshot without RemainAfterExit= is inactive once it has run successfully.
      if (p.get('Type') === 'oneshot' && p.get('Result') === 'success') return { done: true, ok: true, why: state };
      return { done: true, ok: false, why: state };
    default:
      return { done: false, why: state };
  }
}

export function judgeStopped(p: Map<string, string>): Settled {
  const state = `${p.get('ActiveState')}/${p.get('SubState')}`;
  const active = p.get('ActiveState');
  if (active === 'inactive' || active === 'failed') return { done: true, ok: true, why: state };
  return { done: false, why: state };
}

interface Reached {
  ok: boolean;
  why: string;
  /** The unit's state properties as last read. */
  properties: Map<string, string>;
}

async function waitForState(guest: Guest, unit: string, judge: (p: Map<string, string>) => Settled, boundMs: number, commandTimeoutMs: number): Promise<Reached> {
  let properties = new Map<string, string>();
  try {
    const settled = await waitFor(
      `${unit} to settle`,
      async () => {
        properties = await unitProperties(guest, unit, STATE_PROPERTIES, commandTimeoutMs).catch((err: Error) => giveUp(err));
        const now = judge(properties);
        return now.done ? holds(now) : notYet(now.why);
      },
      { timeoutMs: boundMs, intervalMs: POLL_MS, maxIntervalMs: POLL_MS, factor: 1 },
    );
    return { ok: settled.ok, why: settled.why, properties };
  } catch (err) {
    if (err instanceof WaitTimeout) return { ok: false, why: `still ${err.last} after ${boundMs} ms`, properties };
    throw err;
  }
}

export async function checkServiceAction(step: ServiceActionStep, ctx: CheckContext): Promise<CheckResult> {
  const unit = ctx.unitOf(step.service);
  const command = `systemctl ${step.kind} -- ${shellQuote(unit)}`;
  const result = await ctx.guest.exec(command, { timeoutMs: ctx.commandTimeoutMs() });
  const output = [transcript(command, result)];
  const judge = step.kind === 'stop' ? judgeStopped : judgeStarted;
  const bound = Math.min(step.withinMs ?? DEFAULT_SETTLE_MS, ctx.commandTimeoutMs());
  const state = await waitForState(ctx.guest, unit, judge, bound, ctx.commandTimeoutMs());
  output.push(`state: ${state.why}`);
  const observed = observeState(state.properties, result.exitCode);
  if (state.ok && result.exitCode === 0) return observing(verdict([], output.join('\n')), observed);

  const goal = step.kind === 'stop' ? 'stopped' : 'active';
  const said = result.exitCode !== 0 ? `; systemctl said: ${result.stderr.trim().split('\n')[0]}` : '';
  const journal = await ctx.guest.exec(`journalctl -u ${shellQuote(unit)} -n 30 --no-pager -o short-monotonic`, { timeoutMs: ctx.commandTimeoutMs() });
  return observing(verdict([`${step.kind} ${unit}: expected ${goal}, got ${state.why}${said}`], output.join('\n'), `journal of ${unit}:\n${journal.stdout}`), observed);
}

/** Where the action left the unit: the state it settled in and how its main process ended
 *  (217/USER on one systemd, running on another, is exactly what a compare should show). */
function observeState(properties: Map<string, string>, systemctlExit: number): Observation {
  const observed: Observation = { systemctlExit };
  for (const name of ['ActiveState', 'SubState', 'Result', 'ExecMainCode', 'ExecMainStatus']) observed[name] = properties.get(name) ?? null;
  return observed;
}

function readServiceAction({ r, kind, subject, base, services }: StepInput): ServiceActionStep | undefined {
  const service = readServiceRef(r, subject, services);
  if (service === undefined) return undefined;
  return { kind: kind as ServiceActionStep['kind'], ...base(defaultName(kind, service)), service };
}
