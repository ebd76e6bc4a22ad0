// Several guest commands in one round trip. Every command costs one (an SSH channel and a
// shell): a hundred milliseconds and more under TCG, and a scenario's setup issues
// dozens. A batch sends its operations as one bash script instead. They run in order,
// each in its own subshell; the first that fails stops the batch, and the error names it
// with its own stderr. Each operation's standard output comes back on its own.
//
// The contract of an operation, as NixOS's `execute` keeps it: it runs under
// `set -euo pipefail`. The first command that fails ends it and the batch, with that
// command's status, not only its last command; a pipeline fails when any part of it does.
// Bash's own exceptions stay: a command tested by if/while/until, one before the last of an
// && or || list, one after `!`. An operation that means to go on after a failure says so
// (`cmd || true`, `set +e`).
import { posix } from 'node:path';
import type { ExecOptions, ExecResult } from './guest.js';
import { shellQuote } from '../util/quote.js';

/** What a batch needs of a guest (Guest has it; so does a local shell in a test). */
export interface Shell {
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
}

export class BatchError extends Error {
  override name = 'BatchError';
  constructor(
    /** The failing operation's name, as it was added. */
    readonly at: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FileOwnership {
  mode?: string;
  owner?: string;
  group?: string;
}

// Marks where an operation's output starts, on stdout and stderr alike. The ASCII record
// separator does not turn up in text a setup command prints.
const MARK = '\x1e';
// What each operation after the first adds to a batch's time bound.
const OPERATION_MS = 10_000;
// The script travels on stdin (an SSH exec request has a size limit; stdin has none). Its
// file is unlinked as soon as it is open, before anything waits: a batch killed at its
// time-out (SIGKILL to its process group, nothing runs after) leaves nothing in /tmp.
// bash then reads it through /dev/fd, and the operations' stdin is not their own script.
const RUN_STDIN_SCRIPT = 'f=$(mktemp) && exec 3>"$f" 4<"$f" && rm -f -- "$f" && cat >&3 && exec 3>&- && exec bash /dev/fd/4';
// Names the failing operation on stderr (it ends the batch's stderr), then ends the batch.
const ON_ERROR = `trap 'harness_rc=$?; printf "\\nharness-batch-failed %s\\n" "$harness_op" >&2; exit $harness_rc' ERR`;

export class Batch {
  private readonly operations: { at: string; script: string; shared: boolean }[] = [];

  get size(): number {
    return this.operations.length;
  }

  /**
   * Adds a shell script as one operation; `at` names it in an error (e.g. `sysctl.kernel.x`).
   * It runs in a subshell of its own (its variables, traps and `exit` stay in it), unless
   * `shared`: then it runs in the batch's own shell, sets variables later operations read,
   * and must not `exit` (a fork is slow under TCG; short commands do without one).
   */
  add(at: string, script: string, { shared = false } = {}): this {
    this.operations.push({ at, script, shared });
    return this;
  }

  /** Writes a file (making its folder), then sets its mode and owner when given. */
  writeFile(at: string, path: string, content: string | Buffer, ownership: FileOwnership = {}): this {
    const q = shellQuote(path);
    const dir = shellQuote(posix.dirname(path));
    const text = typeof content === 'string' ? content : content.toString('utf8');
    // One command a line, so that each failing ends the operation (in a && list only the last could).
    const lines = [`[[ -d ${dir} ]] || mkdir -p -- ${dir}`];
    // Text goes through printf, a builtin (no process to start); bytes a shell word cannot
    // hold (NUL, or not UTF-8) through base64 in a quoted here-document.
    const plain = !text.includes('\0') && Buffer.from(text).equals(Buffer.from(content));
    if (plain) lines.push(`printf '%s' ${shellQuote(text)} > ${q}`);
    else lines.push(`base64 -d > ${q} <<'HARNESS_EOF'`, Buffer.from(content).toString('base64').replace(/.{76}/g, '$&\n'), 'HARNESS_EOF');
    if (ownership.mode) lines.push(`chmod -- ${shellQuote(ownership.mode)} ${q}`);
    if (ownership.owner || ownership.group) lines.push(`chown -- ${shellQuote(`${ownership.owner ?? ''}:${ownership.group ?? ''}`)} ${q}`);
    return this.add(at, lines.join('\n'), { shared: true });
  }

  /** The bash script the batch runs. Errexit holds in the batch's shell and every
   *  operation's subshell; the ERR trap (not inherited by subshells) fires once, in the
   *  batch's shell, for the operation that failed. */
  script(): string {
    const lines = ['set -u -o pipefail', 'harness_op=-1', ON_ERROR, 'set -e'];
    this.operations.forEach(({ script, shared }, i) => {
      const [open, close] = shared ? ['{', '}'] : ['(', ')'];
      lines.push(`harness_op=${i}; printf '${MARK}%s${MARK}' ${i}; printf '${MARK}%s${MARK}' ${i} >&2`, `${open}\n${script}\n${close}`);
    });
    return lines.join('\n') + '\n';
  }

  /**
   * Runs every operation in one command; resolves to each one's stdout, in order. The bound
   * is what one command would get, plus OPERATION_MS for each further operation.
   */
  async run(shell: Shell, timeoutMs: number): Promise<string[]> {
    if (this.operations.length === 0) return [];
    const bound = timeoutMs + OPERATION_MS * (this.operations.length - 1);
    const result = await shell.exec(RUN_STDIN_SCRIPT, { stdin: this.script(), timeoutMs: bound });
    const stdout = outputsOf(result.stdout);
    if (result.exitCode === 0 && stdout.length === this.operations.length) return stdout;
    const failed = /\nharness-batch-failed (\d+)\n?$/.exec(result.stderr);
    const index = failed ? Number(failed[1]) : Math.max(0, stdout.length - 1);
    const stderr = outputsOf(failed ? result.stderr.slice(0, failed.index) : result.stderr)[index]?.trim();
    const said = stderr || stdout[index]?.trim() || `no output (status ${result.exitCode})`;
    throw new BatchError(this.operations[index].at, `${this.operations[index].at}: ${said}`);
  }
}

/** Splits a stream at the marks: the text after mark i is operation i's. */
function outputsOf(stream: string): string[] {
  const parts = stream.split(new RegExp(`${MARK}(\\d+)${MARK}`));
  const outputs: string[] = [];
  for (let i = 1; i < parts.length; i += 2) outputs[Number(parts[i])] = parts[i + 1] ?? '';
  return outputs;
}
