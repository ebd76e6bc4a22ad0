// `harness compare OLD.xml NEW.xml …`: the options around compare/command.ts.
import { compareCommand } from '../compare/command.js';
import { text, type Command } from './command.js';

export const compareCommandEntry: Command = {
  name: 'compare',
  synopsis: 'compare OLD.xml NEW.xml [MORE.xml…]',
  summary: 'What changed between runs (JUnit reports of `run`): outcomes, what the guest observed,\ntimings.',
  options: { format: { type: 'string' }, output: { type: 'string', short: 'o' }, 'fail-on-change': { type: 'boolean' } },
  optionsHelp: `  --format F         text (default), markdown or html
  -o, --output FILE  write there instead of stdout
  --fail-on-change   a gate: exit 1 when a step's outcome changed, naming each on stderr
                     (without it, compare only reports: exit 0 when it compared)`,
  run: (values, files) => compareCommand(files, { format: text(values, 'format'), output: text(values, 'output'), failOnChange: values['fail-on-change'] === true }),
};
