// Dispatch and the overview: each command parses its own options (commands/*.ts), so an
// option another command takes is an error here, not silently ignored.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cacheCommand } from './commands/cache.js';
import { commandUsage, REPO_ROOT, runCommand as runParsed, type Command } from './commands/command.js';
import { compareCommandEntry } from './commands/compare.js';
import { imagesCommand } from './commands/images.js';
import { reproCommand, shellCommand, showUnitCommand } from './commands/guest.js';
import { listCommand, validateCommand } from './commands/inspect.js';
import { mergeCommandEntry } from './commands/merge.js';
import { mutantsCommand } from './commands/mutants.js';
import { runCommand } from './commands/run.js';
import { EXIT } from './runner/run.js';
import { trace } from './util/trace.js';

const COMMANDS: Command[] = [
  runCommand,
  validateCommand,
  listCommand,
  mergeCommandEntry,
  compareCommandEntry,
  mutantsCommand,
  shellCommand,
  reproCommand,
  showUnitCommand,
  cacheCommand,
  imagesCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.synopsis.length));
  const lines = COMMANDS.map((c) => {
    const [first, ...rest] = c.summary.split('\n');
    const pad = ' '.repeat(width + 4);
    return [`  ${c.synopsis.padEnd(width)}  ${first}`, ...rest.map((line) => `${pad}${line}`)].join('\n');
  });
  return `usage: harness <command> [PATH…] [options]

commands:
${lines.join('\n')}

\`harness COMMAND --help\` lists that command's options; \`harness --version\` the version.
exit status: 0 all passed, 1 a step failed, 2 bad usage or invalid scenario, 3 infrastructure error`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

export async function main(argv: string[]): Promise<number> {
  trace('harness loaded');
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const about = rest[0] !== undefined ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(`${about ? commandUsage(about) : overview()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`unknown command: ${name}\n${overview()}\n`);
    return EXIT.usage;
  }
  return runParsed(command, rest);
}
