// Before setup writes any unit: each service's unit name, as the image's systemd knows it.
// A service the harness writes (`exec:`) must be new to the image: a name that is already a
// unit or an alias would be written over it, or through the alias's symlink into the unit
// it points at (Debian's sshd.service is ssh.service, the harness's own way in). A service
// that names an existing unit (`unit:`) must name one systemd knows: for any other name
// `systemctl show` prints defaults and exits 0, so its steps would check nothing.
import type { Guest } from '../guest/guest.js';
import { shellQuote } from '../util/quote.js';
import type { ServiceSpec } from '../scenario/types.js';

/** What `systemctl show` says of each name; enough to tell a new name from a taken one. */
export const UNIT_FACTS = ['Id', 'Names', 'LoadState', 'FragmentPath'] as const;

export type UnitFacts = Map<string, string>;

/** `systemctl show` of several units: one block of KEY=VALUE lines each, a blank line between. */
export function parseShowBlocks(text: string): UnitFacts[] {
  return text
    .split(/\n\s*\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const facts: UnitFacts = new Map();
      for (const line of block.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) facts.set(line.slice(0, eq), line.slice(eq + 1));
      }
      return facts;
    });
}

/**
 * What is wrong with each service's unit name, given what systemd said of it (in the same
 * order as `services`); `where` names the service's place in the scenario.
 */
export function unitNameProblems(services: { service: ServiceSpec; unit: string; where: string }[], facts: UnitFacts[]): string[] {
  const problems: string[] = [];
  services.forEach(({ service, unit, where }, i) => {
    const said = facts[i];
    if (!said) {
      problems.push(`${where}: systemctl show said nothing of ${unit}`);
      return;
    }
    const loadState = said.get('LoadState') ?? '';
    const found = loadState !== 'not-found';
    if (service.unit !== undefined && !found) {
      problems.push(`${where}: unit ${unit}: the image has no such unit (systemd: LoadState=not-found); \`unit:\` names a unit the image already has, \`exec:\` makes a new one`);
    } else if (service.exec !== undefined && found) {
      problems.push(`${where}: service \`${service.name}\` would be written as /etc/systemd/system/${unit}, but the image already has ${describeTaken(unit, said)}; name the service otherwise`);
    }
  });
  return problems;
}

/** The unit a taken name stands for: itself, or the unit it is an alias of. */
function describeTaken(unit: string, said: UnitFacts): string {
  const id = said.get('Id') || unit;
  const file = said.get('FragmentPath');
  const state = `LoadState=${said.get('LoadState')}${file ? `, ${file}` : ''}`;
  if (id !== unit) return `${unit} as an alias of ${id} (${state}): writing it would write over ${id}`;
  return `a unit ${unit} (${state})`;
}

/** Asks the guest's systemd about every service's unit in one command; the problems found. */
export async function checkUnitNames(guest: Guest, services: { service: ServiceSpec; unit: string; where: string }[], timeoutMs: number): Promise<string[]> {
  if (services.length === 0) return [];
  const flags = UNIT_FACTS.map((p) => `-p ${p}`).join(' ');
  const text = await guest.succeed(`systemctl show ${flags} -- ${services.map((s) => shellQuote(s.unit)).join(' ')}`, { timeoutMs });
  return unitNameProblems(services, parseShowBlocks(text));
}
