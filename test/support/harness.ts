// What the tests that boot real guests share: running the CLI as a user would,
// and proving that nothing is left behind.
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('no package.json above the tests');
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot();
export const SCHEMA = path.resolve(REPO_ROOT, 'vendor/junit/junit-10.xsd');

export interface HarnessRun {
  /** Marks every process this run started (through their environment). */
  runId: string;
  pid?: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  junit: string;
  durationMs: number;
}

// Every temp folder a test makes goes when the test process ends.
const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
// Interrupted (Ctrl-C, CI's timeout) is a way to end too: through 'exit', so they still go.
for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(signal, () => process.exit(status));

export async function tempDir(prefix = 'harness-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Writes a scenario into a fresh temp folder and returns its path. */
export async function scenarioFile(text: string, name = 'scenario.yaml'): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

/** `harness run FILE --junit OUT`, as a user runs it. */
export interface RunOptions {
  timeoutMs?: number;
  /** Called once the harness process exists, e.g. to signal it; `runId` marks its processes. */
  whileRunning?: (child: ResultPromise, runId: string) => void;
  /** Its own process group, as a shell gives a foreground job (for Ctrl-C to the group). */
  detached?: boolean;
  env?: Record<string, string>;
  /** Where the report goes (default: a fresh temp folder). */
  junit?: string;
  /** The working directory (default: this process's). */
  cwd?: string;
}

export async function runHarness(args: string[], options: RunOptions = {}): Promise<HarnessRun> {
  const junit = options.junit ?? path.join(await tempDir(), 'junit.xml');
  const runId = randomUUID();
  const started = Date.now();
  const child = execa('node', [path.join(REPO_ROOT, 'bin/harness.js'), ...args, '--junit', junit], {
    reject: false,
    timeout: options.timeoutMs ?? 300_000,
    env: { NO_COLOR: '1', HARNESS_TEST_RUN: runId, ...options.env },
    detached: options.detached ?? false,
    cwd: options.cwd,
  });
  options.whileRunning?.(child, runId);
  const result = await child;
  return { runId, pid: child.pid, exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, junit, durationMs: Date.now() - started };
}

export async function validateJUnit(file: string): Promise<{ ok: boolean; output: string }> {
  const result = await execa('xmllint', ['--noout', '--schema', SCHEMA, file], { reject: false });
  return { ok: result.exitCode === 0, output: result.stderr };
}

/** Processes whose environment carries `marker` (QEMU inherits the harness's environment). */
export async function processesMarked(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
      if (environ.includes(marker)) found.push(`${pid} ${(await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ').slice(0, 120)}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** What a finished run left behind: its processes (QEMU above all) and its VM work dirs. */
export async function leftovers(run: Pick<HarnessRun, 'runId' | 'pid'>, tmpdir = os.tmpdir()): Promise<string[]> {
  const found = (await processesMarked(`HARNESS_TEST_RUN=${run.runId}`)).map((p) => `process: ${p}`);
  if (run.pid) {
    for (const name of await readdir(tmpdir)) if (name.startsWith(`harness-vm-${run.pid}-`)) found.push(`temp dir: ${name}`);
  }
  return found;
}

/**
 * For a guest the harness keeps (--keep-on-failure): once it prints the ssh command that
 * gets in, runs `command` in the guest through it, then stops the harness with Ctrl-C.
 * Resolves to the guest's answer (or what went wrong, in words).
 */
export function answerFromKeptGuest(child: ResultPromise, command: string, { sshOptions = '', timeoutMs }: { sshOptions?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    let stderr = '';
    let asked = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const ssh = /get in with:\n\s+(ssh .*)\n/.exec(stderr)?.[1];
      if (!ssh || asked) return;
      asked = true;
      void execa('sh', ['-c', `${ssh} ${sshOptions} ${command}`], { reject: false, timeout: timeoutMs }).then((r) => {
        resolve(r.stdout.trim() || `(exit ${r.exitCode}: ${r.stderr})`);
        process.kill(child.pid!, 'SIGINT');
      });
    });
  });
}

/** Resolves once the harness has printed text matching `pattern`, on stdout (its console progress) or stderr (its log). */
export function printed(child: ResultPromise, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const watch = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) resolve();
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
  });
}

/** Attribute values of every <testcase> in a JUnit file, with the element that followed it. */
export function testcases(xml: string): { name: string; outcome: 'passed' | 'failure' | 'error' | 'skipped' }[] {
  const cases: { name: string; outcome: 'passed' | 'failure' | 'error' | 'skipped' }[] = [];
  const re = /<testcase\b[^>]*\bname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const body = m[3] ?? '';
    const outcome = /<failure\b/.test(body) ? 'failure' : /<error\b/.test(body) ? 'error' : /<skipped\b/.test(body) ? 'skipped' : 'passed';
    cases.push({ name: m[1], outcome });
  }
  return cases;
}

/** A host-side TCP listener on `address` that greets and counts whoever connects: what a
 *  guest must not reach (or reaches only by the way out it was given). */
export async function countingListener(address: string): Promise<{ port: number; connections: () => number; close: () => void }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.end('hello from the host\n');
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return { port: (server.address() as net.AddressInfo).port, connections: () => count, close: () => server.close() };
}
