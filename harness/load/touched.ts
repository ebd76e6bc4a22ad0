// What a step touched, read from the scenario that declares it: the unit settings it read
// (a `unit:` step's properties, `systemctl show -p …`) or its service was given
// (serviceConfig), the paths it names, the programs its commands run. A changelog citation
// (compare's "why") quotes the paragraphs that name these; nothing here guesses beyond
// what the step itself says.
import type { Touched } from '../archive/cite.js';
import type { Scenario } from './scenario.js';

/** Shell words that are not programs, and the tools every step uses to look (stat, cat,
 *  grep …): they are how a step looks, not what it is about. */
const NOT_SUBJECTS = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'for', 'in', 'do', 'done', 'while', 'until', 'case', 'esac', 'function', 'time', 'exec', 'command',
  'echo', 'printf', 'test', 'true', 'false', 'set', 'export', 'read', 'local', 'return', 'exit', 'cd', 'sleep', 'eval', 'trap', 'shift', '[', '[[',
  'cat', 'stat', 'grep', 'awk', 'sed', 'sort', 'head', 'tail', 'cut', 'tr', 'wc', 'ls', 'rm', 'mkdir', 'touch', 'cp', 'mv', 'ln', 'chmod', 'chown',
  'tee', 'xargs', 'find', 'id', 'env', 'sh', 'bash', 'timeout', 'sudo', 'uniq', 'readlink', 'basename', 'dirname', 'seq', 'yes', 'python3', 'su',
]);
/** A systemd setting or property: CamelCase, as unit files and `systemctl show` spell them. */
const SETTING = /^[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+$/;
const PATH = /(?<![\w$.)}-])\/(?:[\w.@+-]+\/?)+/g;

/** The touched subjects of each step of SCENARIO, by the step's name (its JUnit testcase name). */
export function touchedBySteps(scenario: Scenario): Map<string, Touched> {
  const services = new Map(scenario.guests.flatMap((guest) => guest.services.map((service) => [service.name, service] as const)));
  const byName = new Map<string, Touched>();
  for (const step of scenario.steps) {
    const settings = new Set<string>();
    const paths = new Set<string>();
    const programs = new Set<string>();
    const record = step as unknown as Record<string, unknown>;
    walk(record, (key, value) => {
      if (key === 'at' || key === 'when' || key === 'name') return false;
      if (typeof value === 'string') {
        for (const match of value.matchAll(PATH)) if (match[0].length > 1 && match[0] !== '/dev/null') paths.add(match[0].replace(/\/$/, ''));
        if (key === 'command') for (const program of programsOf(value)) programs.add(program);
        for (const word of value.split(/[\s,=]+/)) if (SETTING.test(word)) settings.add(word);
      }
      if (SETTING.test(key)) settings.add(key);
      return true;
    });
    // A step about a service reads what the service was given.
    for (const field of ['service', 'in']) {
      const service = typeof record[field] === 'string' ? services.get(record[field] as string) : undefined;
      for (const setting of Object.keys(service?.serviceConfig ?? {})) settings.add(setting);
      if (service?.confinement) settings.add(service.confinement.mode === 'chroot-only' ? 'RootDirectory' : 'RootImage');
    }
    byName.set(step.name, { settings: [...settings], paths: [...paths], programs: [...programs] });
  }
  return byName;
}

/** Each value below ROOT with its key; VISIT returns false to skip what is below a key. */
function walk(value: unknown, visit: (key: string, value: unknown) => boolean, key = ''): void {
  if (key !== '' && !visit(key, value)) return;
  if (Array.isArray(value)) value.forEach((item) => walk(item, visit, key));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, visit, k);
}

/** The programs a shell command runs: the first word of each simple command, with its
 *  variable assignments and redirections left out, and a path's last part (`/usr/bin/x` → x). */
export function programsOf(command: string): string[] {
  const programs: string[] = [];
  // strings and comments say nothing of what runs
  const bare = command.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, ' ').replace(/(^|\s)#.*$/gm, '$1');
  for (const segment of bare.split(/\n|;|&&|\|\||\||\$\(|`|\(|\)|\{|\}|!/)) {
    const words = segment.trim().split(/\s+/).filter((w) => w && !/^\w+=/.test(w) && !/^\d*[<>]/.test(w));
    while (words.length && NOT_SUBJECTS.has(words[0]) && ['if', 'then', 'else', 'elif', 'do', 'while', 'until', 'time', 'exec', 'command', 'sudo', 'timeout', 'env'].includes(words[0])) words.shift();
    // a word with a slash runs a program only from a bin folder (or systemd's own)
    const word = words[0];
    const first = word?.includes('/') && !/(^|\/)s?bin\/|\/lib\/systemd\//.test(word) ? undefined : word?.replace(/^.*\//, '');
    if (first && /^[a-z][\w.+-]*$/.test(first) && !NOT_SUBJECTS.has(first) && !programs.includes(first)) programs.push(first);
  }
  return programs;
}
