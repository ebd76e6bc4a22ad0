// `harness compare OLD.xml NEW.xml …`: the options around compare/command.ts.
import { compareCommand } from '../compare/command.js';
import type { Touched } from '../archive/cite.js';
import { loadScenarioFile } from '../load/load.js';
import { touchedBySteps } from '../load/touched.js';
import { text, type Command } from './command.js';

/** What each step of a scenario file touched, or why it could not be read. */
export async function touchedIn(file: string): Promise<Map<string, Touched> | string> {
  try {
    return touchedBySteps(await loadScenarioFile(file));
  } catch (err) {
    return `${file} could not be read as a scenario: ${(err as Error).message.split('\n')[0]}`;
  }
}

export const compareCommandEntry: Command = {
  name: 'compare',
  synopsis: 'compare OLD.xml NEW.xml [MORE.xml…]',
  summary: 'What changed between runs (JUnit reports of `run`): outcomes, what the guest observed,\ntimings.',
  options: { format: { type: 'string' }, output: { type: 'string', short: 'o' }, 'fail-on-change': { type: 'boolean' }, changes: { type: 'string' } },
  optionsHelp: `  --format F         text (default), markdown or html
  -o, --output FILE  write there instead of stdout
  --fail-on-change   a gate: exit 1 when a step's outcome changed, naming each on stderr
                     (without it, compare only reports: exit 0 when it compared)
  --changes DIR      the newer systemd's changelog.Debian.gz and NEWS.gz: the report shows the
                     entries and sections between the first and last report's systemd, and beside
                     each changed step the paragraphs naming what it touched (or that none does)`,
  run: (values, files) =>
    compareCommand(files, {
      format: text(values, 'format'),
      output: text(values, 'output'),
      failOnChange: values['fail-on-change'] === true,
      changes: text(values, 'changes'),
      touchedIn,
    }),
};
