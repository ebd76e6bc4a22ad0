// Puts the guest into the state a scenario declares, before any step runs:
// files, then sysctls, then the services' unit files (installed, not started).
import type { Guest } from '../guest/guest.js';
import { shellQuote } from '../guest/quote.js';
import type { Scenario, ServiceSpec } from '../scenario/types.js';

/** The systemd unit a service runs as in the guest. */
export function unitName(service: ServiceSpec): string {
  return service.unit ?? `${service.name}.service`;
}

/** The unit file the harness writes for a service given by `exec:`. */
export function renderServiceUnit(service: ServiceSpec): string {
  if (!service.exec) throw new Error(`service ${service.name} names an existing unit; nothing to render`);
  const lines = ['[Unit]', `Description=harness service ${service.name}`, '', '[Service]', `ExecStart=${service.exec}`];
  if (service.user === 'dynamic') lines.push('DynamicUser=yes');
  else if (service.user !== 'root') lines.push(`User=${service.user}`);
  for (const [key, value] of Object.entries(service.serviceConfig)) {
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${key}=${item}`);
  }
  return lines.join('\n') + '\n';
}

/** A drop-in carrying user/serviceConfig for an existing unit (`unit:`). */
export function renderDropIn(service: ServiceSpec): string | undefined {
  const lines: string[] = [];
  if (service.user === 'dynamic') lines.push('DynamicUser=yes');
  else if (service.user !== 'root') lines.push(`User=${service.user}`);
  for (const [key, value] of Object.entries(service.serviceConfig)) {
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${key}=${item}`);
  }
  return lines.length ? ['[Service]', ...lines].join('\n') + '\n' : undefined;
}

export async function prepareGuest(guest: Guest, scenario: Scenario, timeoutMs: number): Promise<string[]> {
  const log: string[] = [];
  for (const [path, file] of Object.entries(scenario.files)) {
    await guest.writeFile(path, file.content);
    const q = shellQuote(path);
    if (file.mode) await guest.succeed(`chmod ${shellQuote(file.mode)} ${q}`, { timeoutMs });
    if (file.owner || file.group) await guest.succeed(`chown ${shellQuote(`${file.owner ?? ''}:${file.group ?? ''}`)} ${q}`, { timeoutMs });
    log.push(`wrote ${path}`);
  }
  for (const [key, value] of Object.entries(scenario.sysctl)) {
    await guest.succeed(`sysctl -w ${shellQuote(`${key}=${value}`)}`, { timeoutMs });
    log.push(`sysctl ${key}=${value}`);
  }
  let installed = 0;
  for (const service of scenario.services) {
    if (service.exec) {
      await guest.writeFile(`/etc/systemd/system/${unitName(service)}`, renderServiceUnit(service));
      installed++;
    } else {
      const dropIn = renderDropIn(service);
      if (dropIn) {
        await guest.writeFile(`/etc/systemd/system/${unitName(service)}.d/50-harness.conf`, dropIn);
        installed++;
      }
    }
    log.push(`installed ${unitName(service)}`);
  }
  if (installed) await guest.succeed('systemctl daemon-reload', { timeoutMs });
  return log;
}
