// `harness merge FILE… -o OUT`: the command around report/merge.ts (reading, checking,
// writing).
import path from 'node:path';
import { mergeJUnit } from '../report/merge.js';
import { JUnitReadError, readJUnitFile } from '../report/junit-read.js';
import { writeFileAtomically } from '../report/junit.js';
import { resultsFromSuites } from '../report/junit-results.js';
import { MarkdownReporter } from '../report/markdown.js';
import { text, type Command } from './command.js';

/** Exit status: 0 written, 2 a bad input or usage (named on stderr, nothing written). */
export async function mergeCommand(files: string[], output: string | undefined, markdown?: string): Promise<number> {
  if (files.length === 0) {
    process.stderr.write('merge needs at least one JUnit report: harness merge a.xml b.xml -o all.xml\n');
    return 2;
  }
  if (output === undefined) {
    process.stderr.write('merge needs -o FILE (where to write the merged report)\n');
    return 2;
  }
  const inputs = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      inputs.push({ file, suites: await readJUnitFile(file) });
    } catch (err) {
      if (!(err instanceof JUnitReadError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`${problem}\n`);
    process.stderr.write(`${problems.length} input(s) refused; nothing was written\n`);
    return 2;
  }
  const merged = mergeJUnit(inputs, path.dirname(path.resolve(output)));
  for (const duplicate of merged.duplicates) process.stderr.write(`warning: ${duplicate} (overlapping shards?)\n`);
  await writeFileAtomically(output, merged.xml);
  if (markdown !== undefined) {
    // One summary of the whole run, as if it had not been sharded.
    const { results, summary } = resultsFromSuites(inputs.flatMap((input) => input.suites));
    await new MarkdownReporter({ outputFile: markdown }).onRunEnd(results, summary);
  }
  process.stderr.write(`merged ${files.length} report(s): ${merged.suites} testsuite(s), ${merged.tests} testcase(s) → ${output}\n`);
  return 0;
}

export const mergeCommandEntry: Command = {
  name: 'merge',
  synopsis: 'merge FILE… -o OUT',
  summary: 'Join JUnit reports (e.g. of shards) into one; optionally write the Markdown summary\nof the whole.',
  options: { output: { type: 'string', short: 'o' }, markdown: { type: 'string' } },
  optionsHelp: `  -o, --output FILE  the merged report
  --markdown FILE    also write the Markdown summary of the whole run there`,
  run: (values, files) => mergeCommand(files, text(values, 'output'), text(values, 'markdown')),
};
