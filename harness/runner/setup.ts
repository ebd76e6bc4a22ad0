// Puts the guest into the state a scenario declares, before any step runs:
// files, then sysctls, then the services' unit files (installed, not started).
import type { Guest } from '../guest/guest.js';
import { shellQuote } from '../guest/quote.js';
import type { Scenario, ServiceSpec } from '../scenario/types.js';
import { computeClosure } from '../confinement/closure.js';
import { dropInPath, renderConfinementDropIn } from '../confinement/unit.js';

/** The systemd unit a service runs as in the guest. */
export function unitName(service: ServiceSpec): string {
  return service.unit ?? `${service.name}.service`;
}

/** The [Service] lines a scenario gives a service: its user, then serviceConfig verbatim. */
function serviceLines(service: ServiceSpec): string[] {
  const lines: string[] = [];
  if (service.user === 'dynamic') lines.push('DynamicUser=yes');
  else if (service.user !== 'root') lines.push(`User=${service.user}`);
  for (const [key, value] of Object.entries(service.serviceConfig)) {
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${key}=${item}`);
  }
  return lines;
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

/** The guest could not be put into the declared state; says which part of the scenario failed. */
export class SetupError extends Error {
  override name = 'SetupError';
}

async function doing<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new SetupError(`${what}: ${(err as Error).message}`);
  }
}

export async function prepareGuest(guest: Guest, scenario: Scenario, timeoutMs: number): Promise<string[]> {
  const log: string[] = [];
  for (const [path, file] of Object.entries(scenario.files)) {
    await doing(`files.${path}`, async () => {
      await guest.writeFile(path, file.content);
      const q = shellQuote(path);
      if (file.mode) await guest.succeed(`chmod ${shellQuote(file.mode)} ${q}`, { timeoutMs });
      if (file.owner || file.group) await guest.succeed(`chown ${shellQuote(`${file.owner ?? ''}:${file.group ?? ''}`)} ${q}`, { timeoutMs });
    });
    log.push(`wrote ${path}`);
  }
  for (const [key, value] of Object.entries(scenario.sysctl)) {
    await doing(`sysctl.${key}`, () => guest.succeed(`sysctl -w ${shellQuote(`${key}=${value}`)}`, { timeoutMs }));
    log.push(`sysctl ${key}=${value}`);
  }
  let installed = 0;
  for (const service of scenario.services) {
    const unit = unitName(service);
    await doing(`services.${service.name}`, async () => {
      if (service.exec) {
        await guest.writeFile(`/etc/systemd/system/${unit}`, renderServiceUnit(service));
        installed++;
        return;
      }
      const dropIn = renderDropIn(service);
      if (dropIn) {
        await guest.writeFile(`/etc/systemd/system/${unit}.d/50-harness.conf`, dropIn);
        installed++;
      }
    });
    log.push(`installed ${unit}`);
  }
  if (installed) await doing('services', () => guest.succeed('systemctl daemon-reload', { timeoutMs }));
  log.push(...(await confineServices(guest, scenario, timeoutMs)));
  return log;
}

/**
 * Writes each confined service's drop-in. The closure is computed once the unit is loaded,
 * from what systemd itself parsed of its Exec* lines; then the drop-in joins the unit.
 */
async function confineServices(guest: Guest, scenario: Scenario, timeoutMs: number): Promise<string[]> {
  const log: string[] = [];
  for (const service of scenario.services) {
    const confinement = service.confinement;
    if (!confinement) continue;
    const unit = unitName(service);
    const dropIn = await doing(`services.${service.name}.confinement`, async () => {
      const closure = await computeClosure(guest, unit, confinement, timeoutMs);
      const text = renderConfinementDropIn(service, confinement, closure);
      await guest.writeFile(dropInPath(unit), text);
      return text;
    });
    log.push(`confined ${unit} (${confinement.mode}) with ${dropInPath(unit)}:`, dropIn.trimEnd());
  }
  if (log.length) await doing('services', () => guest.succeed('systemctl daemon-reload', { timeoutMs }));
  return log;
}
