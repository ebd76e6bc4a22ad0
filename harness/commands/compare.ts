// `harness compare OLD.xml NEW.xml …`: the options around compare/command.ts.
import { compareCommand } from '../compare/command.js';
import { text, type Command } from './command.js';

export const compareCommandEntry: Command = {
  name: 'compare',
  synopsis: 'compare OLD.xml NEW.xml [MORE.xml…]',
  summary: 'What changed between runs (JUnit reports of `run`): outcomes, what the guest observed,\ntimings.',
  options: { format: { type: 'string' }, output: { type: 'string', short: 'o' } },
  optionsHelp: `  --format F         text (default), markdown or html
  -o, --output FILE  write there instead of stdout`,
  run: (values, files) => compareCommand(files, { format: text(values, 'format'), output: text(values, 'output') }),
};
