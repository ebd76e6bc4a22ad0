// Puts the guest into the state a scenario declares, before any step runs:
// files, then sysctls (set now, and kept in sysctl.d for a reboot), then the services'
// unit files (installed, not started).
import { Batch } from '../guest/batch.js';
import type { Guest } from '../guest/guest.js';
import { faultOf, FaultError, type Fault } from '../util/fault.js';
import { shellQuote } from '../util/quote.js';
import type { Location, ServiceSpec, ServiceUser } from '../scenario/types.js';
import type { GuestSpec } from '../load/scenario.js';
import { computeClosures, describeCut } from '../confinement/closure.js';
import { dropInPath, renderConfinementDropIn } from '../confinement/unit.js';
import { checkUnitNames } from './unit-names.js';

/** The systemd unit a service runs as in the guest. */
export function unitName(service: ServiceSpec): string {
  return service.unit ?? `${service.name}.service`;
}

/** The [Service] lines a scenario gives a service: its user, then serviceConfig verbatim. */
function serviceLines(service: ServiceSpec): string[] {
  const lines = userLines(service.user);
  for (const [key, value] of Object.entries(service.serviceConfig)) {
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${key}=${item}`);
  }
  return lines;
}

/** root is systemd's own default, so it needs no line. */
function userLines(user: ServiceUser): string[] {
  switch (user.kind) {
    case 'root':
      return [];
    case 'dynamic':
      return ['DynamicUser=yes'];
    case 'static':
      return [`User=${user.name}`];
  }
}

/** The unit file the harness writes for a service given by `exec:`. */
export function renderServiceUnit(service: ServiceSpec): string {
  if (!service.exec) throw new Error(`service ${service.name} names an existing unit; nothing to render`);
  const lines = ['[Unit]', `Description=harness service ${service.name}`, '', '[Service]', `ExecStart=${service.exec}`, ...serviceLines(service)];
  return lines.join('\n') + '\n';
}

/** A drop-in carrying user/serviceConfig for an existing unit (`unit:`). */
export function renderDropIn(service: ServiceSpec): string | undefined {
  const lines = serviceLines(service);
  return lines.length ? ['[Service]', ...lines].join('\n') + '\n' : undefined;
}

/** Where the scenario's sysctls are kept for later boots: after every file of the image's
 *  own in systemd-sysctl's order (by file name, `99-sysctl.conf` included), so they win. */
export const SYSCTL_CONF = '/etc/sysctl.d/zz-harness.conf';

/** The scenario's sysctls as a sysctl.d file, so that a `reboot:` keeps them. */
export function renderSysctlConf(sysctl: Record<string, string>): string | undefined {
  const lines = Object.entries(sysctl).map(([key, value]) => `${key} = ${value}`);
  if (lines.length === 0) return undefined;
  return ["# The scenario's `sysctl:`, written by the harness: systemd-sysctl applies it at every boot.", ...lines].join('\n') + '\n';
}

/** The guest could not be put into the declared state; says which part of the scenario
 *  failed. The test side's, unless what stopped it says otherwise (SSH gone: the guest's). */
export class SetupError extends FaultError {
  override name = 'SetupError';
  constructor(message: string, fault: Fault) {
    super(message, fault);
  }
}

/** A place in the scenario for an error: its file (and line, where the loader kept it) and key. */
function where(file: string, key: string, at?: Location): string {
  return at ? `${at.file}:${at.line}:${at.col} ${key}` : `${file}: ${key}`;
}

/** Setup work in the guest; what goes wrong is a SetupError (its message names the place already). */
async function settingUp<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw new SetupError((err as Error).message, faultOf(err));
  }
}

/**
 * The services' unit names are checked first (one command); then files, sysctls and unit
 * files go in one batch (one round trip), the confined services' closures in a second,
 * their drop-ins in a third: setup costs four commands, not dozens.
 */
export async function prepareGuest(guest: Guest, scenario: GuestSpec, file: string, timeoutMs: number): Promise<string[]> {
  // Before anything is written: no service may take an image unit's name, each `unit:` must exist.
  const named = scenario.services.map((service) => ({ service, unit: unitName(service), where: where(file, `services.${service.name}`, service.at) }));
  const problems = await settingUp(checkUnitNames(guest, named, timeoutMs));
  if (problems.length) throw new SetupError(problems.join('\n'), 'harness');
  const log: string[] = [];
  const state = new Batch();
  for (const [path, spec] of Object.entries(scenario.files)) {
    state.writeFile(where(file, `files.${path}`, spec.at), path, spec.content, spec);
    log.push(`wrote ${path}`);
  }
  for (const [key, value] of Object.entries(scenario.sysctl)) {
    state.add(where(file, `sysctl.${key}`), `sysctl -w ${shellQuote(`${key}=${value}`)}`);
    log.push(`sysctl ${key}=${value}`);
  }
  const sysctlConf = renderSysctlConf(scenario.sysctl);
  if (sysctlConf) state.writeFile(where(file, 'sysctl'), SYSCTL_CONF, sysctlConf);
  // A unit the harness writes is new to systemd, which loads it when first asked for it;
  // a drop-in for one of the image's units needs a reload (seconds under TCG).
  let dropIns = 0;
  for (const service of scenario.services) {
    const unit = unitName(service);
    const at = where(file, `services.${service.name}`, service.at);
    if (service.exec) {
      state.writeFile(at, `/etc/systemd/system/${unit}`, renderServiceUnit(service));
    } else {
      const dropIn = renderDropIn(service);
      if (dropIn) {
        state.writeFile(at, `/etc/systemd/system/${unit}.d/50-harness.conf`, dropIn);
        dropIns++;
      }
    }
    log.push(`installed ${unit}`);
  }
  if (dropIns) state.add(where(file, 'services'), 'systemctl daemon-reload');
  await settingUp(state.run(guest, timeoutMs));
  log.push(...(await confineServices(guest, scenario, file, timeoutMs)));
  return log;
}

/**
 * Writes each confined service's drop-in. The closure comes from what systemd itself parsed
 * of the unit's Exec* lines: a unit the harness wrote is read through a stand-in, so that it
 * is first loaded with its drop-in in place; one of the image's units needs a reload after.
 */
async function confineServices(guest: Guest, scenario: GuestSpec, file: string, timeoutMs: number): Promise<string[]> {
  const confined = scenario.services.flatMap((service) =>
    service.confinement
      ? [{
          service,
          confinement: service.confinement,
          unit: unitName(service),
          at: where(file, `services.${service.name}.confinement`, service.at),
          ...(service.exec ? { unitFile: renderServiceUnit(service) } : {}),
        }]
      : [],
  );
  if (confined.length === 0) return [];
  const closures = await settingUp(computeClosures(guest, confined, timeoutMs));
  const log: string[] = [];
  const dropIns = new Batch();
  confined.forEach(({ service, confinement, unit, at }, i) => {
    const text = renderConfinementDropIn(service, confinement, closures[i]);
    dropIns.writeFile(at, dropInPath(unit), text);
    log.push(`confined ${unit} (${confinement.mode}) with ${dropInPath(unit)}:`, text.trimEnd());
    for (const cut of closures[i].cuts) log.push(`notice: ${unit}: ${describeCut(cut)}`);
  });
  if (confined.some(({ service }) => !service.exec)) dropIns.add(where(file, 'services'), 'systemctl daemon-reload');
  await settingUp(dropIns.run(guest, timeoutMs));
  return log;
}
