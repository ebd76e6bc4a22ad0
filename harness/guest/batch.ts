// Several guest commands in one round trip. Every command costs one (an SSH channel and a
// shell): a hundred milliseconds and more under TCG, and a scenario's setup issues
// dozens. A batch sends its operations as one bash script instead. They run in order,
// each in its own subshell; the first that fails stops the batch, and the error names it
// with its own stderr. Each operation's standard output comes back on its own.
import { posix } from 'node:path';
import type { ExecOptions, ExecResult } from './guest.js';
import { shellQuote } from './quote.js';

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
// The script travels on stdin (an SSH exec request has a size limit; stdin has none).
const RUN_STDIN_SCRIPT = 'f=$(mktemp) && cat > "$f" && { bash "$f"; rc=$?; rm -f "$f"; exit $rc; }';

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
    const steps = [`{ [[ -d ${dir} ]] || mkdir -p -- ${dir}; }`];
    // Text goes through printf, a builtin (no process to start); bytes a shell word cannot
    // hold (NUL, or not UTF-8) through base64 in a quoted here-document.
    const plain = !text.includes('\0') && Buffer.from(text).equals(Buffer.from(content));
    if (plain) steps.push(`printf '%s' ${shellQuote(text)} > ${q}`);
    else steps.push(`base64 -d > ${q} <<'HARNESS_EOF'`);
    if (ownership.mode) steps.push(`chmod -- ${shellQuote(ownership.mode)} ${q}`);
    if (ownership.owner || ownership.group) steps.push(`chown -- ${shellQuote(`${ownership.owner ?? ''}:${ownership.group ?? ''}`)} ${q}`);
    if (plain) return this.add(at, steps.join(' && '), { shared: true });
    // `cmd <<'EOF' && next` then the body: the here-document's body follows the line
    const encoded = Buffer.from(content).toString('base64').replace(/.{76}/g, '$&\n');
    return this.add(at, `${steps.join(' && ')}\n${encoded}\nHARNESS_EOF`, { shared: true });
  }

  /** The bash script the batch runs. */
  script(): string {
    const lines = ['set -u'];
    this.operations.forEach(({ script, shared }, i) => {
      const [open, close] = shared ? ['{', '}'] : ['(', ')'];
      lines.push(
        `printf '${MARK}%s${MARK}' ${i}; printf '${MARK}%s${MARK}' ${i} >&2`,
        `${open}\n${script}\n${close} || { rc=$?; printf '\\nharness-batch-failed %s\\n' ${i} >&2; exit $rc; }`,
      );
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
