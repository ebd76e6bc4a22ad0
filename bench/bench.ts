// `npm run bench`: how fast the harness gets to a guest and through a suite, each figure a
// ratio against a baseline measured in the same run on the same machine (absolute seconds
// mean little across machines). Writes the table to stdout and reports/bench.json.
//
//   baseline   QEMU started by hand with the harness's argv, polled with OpenSSH until
//              `ssh true` answers: what a person does without the harness.
//   warm start a guest restored from the snapshot cache, to its first command answered,
//              back-to-back (in this process, right after the last guest).
//   small run  a three-step scenario's whole `harness run`, warm (the CLI as users run it),
//              back-to-back and after 20 s of idle (BENCH_IDLE_S): a fresh process then,
//              as a user's next run is, with the host's caches gone cold meanwhile; its
//              warm start is the report's guest.ready.ms.
//              BENCH_OTHER_CLI=PATH/bin/harness.js also measures another build's CLI
//              (e.g. main's) in the same rounds, alternated with this one, for before/after
//              figures under the same load.
//   two guests a two-guest scenario's whole run, warm (both restored at once, on their
//              private network), against the one-guest small run in the same rounds; and
//              the slower guest's warm start against the one guest's (the issue's bound: 2x).
//   commands   p50/p95 of `true` over the harness's ssh2 connection, against OpenSSH
//              reusing one ControlMaster connection (the fair baseline) and a new OpenSSH
//              connection each time.
//   BENCH_CACHE_DIR=DIR keeps the snapshot cache between bench runs.
//   suite      (BENCH_SUITE=1, about 20 min under TCG) the shipped suite warm against
//              --no-snapshot, and with 2 workers against 1, broken down into guest start,
//              setup, steps and the rest; peak memory of one VM and of the harness.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { SnapshotRestore } from '../harness/runner/guest-source.js';
import { chooseAccel } from '../harness/vm/accel.js';
import { loadImage, type ImageInfo } from '../harness/vm/image.js';
import { Machine } from '../harness/vm/machine.js';
import { SnapshotCache } from '../harness/vm/snapshot-cache.js';
import { resolveVmSpec, type VmSpec } from '../harness/vm/spec.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EXECS = Number(process.env.BENCH_EXECS ?? 40);
const SUITE = process.env.BENCH_SUITE === '1';
const CLI = path.join(REPO_ROOT, 'bin/harness.js');
const IDLE_MS = Number(process.env.BENCH_IDLE_S ?? 20) * 1000;
const OTHER_CLI = process.env.BENCH_OTHER_CLI ? path.resolve(process.env.BENCH_OTHER_CLI) : undefined;

interface Row {
  measure: string;
  baseline: string;
  baselineMs: number;
  harnessMs: number;
  target?: number;
}

const rows: Row[] = [];
const notes: string[] = [];

function sshArgs(image: ImageInfo, port: number, extra: string[], command: string): string[] {
  return ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
    '-o', 'ConnectTimeout=5', ...extra, '-i', image.privateKey, '-p', String(port), 'root@127.0.0.1', command];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The baseline: start QEMU by hand, retry ssh until it answers. */
async function handRolledColdBoot(spec: VmSpec): Promise<number> {
  const started = Date.now();
  const machine = await Machine.boot(spec);
  try {
    for (;;) {
      const r = await execa('ssh', sshArgs(spec.image, machine.sshPort, [], 'true'), { reject: false });
      if (r.exitCode === 0) return Date.now() - started;
      if (Date.now() - started > 600_000) throw new Error('baseline guest never answered');
      await sleep(250);
    }
  } finally {
    await machine.stop();
  }
}

/** One `harness run` of the small scenario by `cli`: its wall time and its guest's warm start. */
async function smallRun(cli: string, scenario: string, cacheDir: string): Promise<{ wallMs: number; readyMs: number }> {
  const junit = path.join(cacheDir, 'small.xml');
  const started = Date.now();
  const run = await execa('node', [cli, 'run', scenario, '--junit', junit], { reject: false, env: { HARNESS_CACHE_DIR: cacheDir } });
  const wallMs = Date.now() - started;
  if (run.exitCode !== 0) throw new Error(`the small scenario failed (${cli}):\n${run.stdout}\n${run.stderr}`);
  // one guest: guest.ready.ms; several: guest.NAME.ready.ms each, and the slowest is what the scenario waited for
  const ready = [...(await readFile(junit, 'utf8')).matchAll(/name="guest\.(?:[a-z0-9-]+\.)?ready\.ms" value="(\d+)"/g)].map((m) => Number(m[1]));
  return { wallMs, readyMs: ready.length ? Math.max(...ready) : NaN };
}

const TWO_GUESTS = ['name: bench two guests', 'image: debian-bookworm', 'guests:', '  server: {}', '  client: {}', 'steps:',
  '  - on: server', '    run: "true"', '  - on: client', '    run: getent hosts server', '    expect: {stdout: {contains: server}}', ''].join('\n');

/** Commands over the harness's connection, a ControlMaster connection and fresh connections. */
async function commandLatencies(source: SnapshotRestore, spec: VmSpec): Promise<void> {
  const ready = await source.start(spec, { deadlineMs: 180_000, signal: new AbortController().signal });
  const control = await mkdtemp(path.join(os.tmpdir(), 'bench-ssh-'));
  const master = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${control}/cm`, '-o', 'ControlPersist=60'];
  const ours: number[] = [];
  const multiplexed: number[] = [];
  const fresh: number[] = [];
  try {
    await execa('ssh', sshArgs(spec.image, ready.machine.sshPort, master, 'true')); // opens the master
    for (let i = 0; i < EXECS; i++) {
      let t = performance.now();
      await ready.guest.succeed('true');
      ours.push(performance.now() - t);
      t = performance.now();
      await execa('ssh', sshArgs(spec.image, ready.machine.sshPort, master, 'true'));
      multiplexed.push(performance.now() - t);
      if (i < 10) {
        t = performance.now();
        await execa('ssh', sshArgs(spec.image, ready.machine.sshPort, [], 'true'));
        fresh.push(performance.now() - t);
      }
    }
  } finally {
    await execa('ssh', ['-o', `ControlPath=${control}/cm`, '-O', 'exit', 'x'], { reject: false });
    await rm(control, { recursive: true, force: true });
    ready.guest.close();
    await ready.machine.stop();
  }
  rows.push({ measure: 'command p50', baseline: 'OpenSSH ControlMaster p50', baselineMs: median(multiplexed), harnessMs: median(ours), target: 1 });
  rows.push({ measure: 'command p95', baseline: 'OpenSSH ControlMaster p95', baselineMs: quantile(multiplexed, 0.95), harnessMs: quantile(ours, 0.95) });
  rows.push({ measure: 'command p50', baseline: 'a new OpenSSH connection p50', baselineMs: median(fresh), harnessMs: median(ours) });
}

/** Reads a process's peak resident memory (VmHWM) while it lives; the last reading is its peak. */
function watchPeakMemory(pids: () => Promise<number[]>): { stop: () => Promise<Map<number, number>> } {
  const peaks = new Map<number, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const pid of await pids()) {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        if (kb) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kb * 1024));
      }
      await sleep(200);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peaks;
    },
  };
}

async function qemuPids(): Promise<number[]> {
  const { stdout } = await execa('pgrep', ['-f', '^qemu-system'], { reject: false });
  return stdout.split('\n').filter(Boolean).map(Number);
}

interface SuiteRun {
  wallMs: number;
  status: number;
  /** Sums over testsuites of the report's own properties and testcase times. */
  parts: { start: number; setup: number; steps: number; rest: number };
  outcomes: string;
  harnessPeak: number;
  qemuPeak: number;
}

async function runSuite(args: string[], cache: string): Promise<SuiteRun> {
  const junit = path.join(REPO_ROOT, 'reports', `bench-${Date.now()}.xml`);
  const started = Date.now();
  const child = execa('node', [CLI, 'run', 'scenarios', '--junit', junit, ...args], { reject: false, env: { HARNESS_CACHE_DIR: cache, NO_COLOR: '1' } });
  const harness = watchPeakMemory(async () => (child.pid ? [child.pid] : []));
  const qemu = watchPeakMemory(qemuPids);
  const result = await child;
  const wallMs = Date.now() - started;
  const [harnessPeaks, qemuPeaks] = [await harness.stop(), await qemu.stop()];
  const xml = await readFile(junit, 'utf8');
  // A suite run that failed keeps its report, so the failure can be read afterwards.
  if (result.exitCode === 0) await rm(junit, { force: true });
  else notes.push(`a suite run (${args.join(' ')}) did not pass; its report: ${path.relative(process.cwd(), junit)}`);
  const sum = (re: RegExp) => [...xml.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  const suiteMs = sum(/<testsuite\b[^>]*\btime="([\d.]+)"/g) * 1000;
  const start = sum(/name="guest\.ready\.ms" value="(\d+)"/g);
  const setup = sum(/name="setup\.ms" value="(\d+)"/g);
  const steps = sum(/<testcase\b[^>]*\btime="([\d.]+)"/g) * 1000;
  const count = (re: RegExp) => (xml.match(re) ?? []).length;
  return {
    wallMs,
    status: result.exitCode ?? -1,
    parts: { start, setup, steps, rest: Math.max(0, suiteMs - start - setup - steps) },
    outcomes: `${count(/<testcase\b/g)} steps: ${count(/<failure\b/g)} failed, ${count(/<error\b/g)} errors, ${count(/<skipped\b/g)} skipped`,
    harnessPeak: Math.max(0, ...harnessPeaks.values()),
    qemuPeak: Math.max(0, ...qemuPeaks.values()),
  };
}

async function main(): Promise<void> {
  const image = await loadImage(path.join(REPO_ROOT, 'images/out'), 'debian-bookworm');
  const accel = await chooseAccel('auto', { kernel: image.kernel });
  const spec = resolveVmSpec(image, {}, accel.accel);
  // BENCH_CACHE_DIR keeps the snapshots between bench runs (a fresh temp folder by default).
  const keptCache = process.env.BENCH_CACHE_DIR ? path.resolve(process.env.BENCH_CACHE_DIR) : undefined;
  const cacheDir = keptCache ?? (await mkdtemp(path.join(os.tmpdir(), 'bench-cache-')));
  await mkdir(cacheDir, { recursive: true });
  const source = new SnapshotRestore(new SnapshotCache(cacheDir));
  console.log(`accelerator: ${accel.accel} (${accel.reason}); ${ROUNDS} rounds, ${EXECS} commands; cache ${cacheDir}`);
  try {
    // Make the snapshot first: a warm start is what users get from their second run on.
    const made = await source.start(spec, { deadlineMs: 240_000, signal: new AbortController().signal });
    made.guest.close();
    await made.machine.stop();

    const cold: number[] = [];
    const warm: number[] = [];
    const small: number[] = [];
    const scenario = path.join(cacheDir, 'small.yaml');
    await writeFile(scenario, ['name: bench small', 'image: debian-bookworm', 'steps:', '  - run: "true"',
      '  - file: /etc/os-release', '    expect: {exists: true}', '  - run: uname -s', '    expect: {stdout: Linux}', ''].join('\n'));
    const twoScenario = path.join(cacheDir, 'two.yaml');
    await writeFile(twoScenario, TWO_GUESTS);
    await smallRun(CLI, twoScenario, cacheDir); // its snapshot (a second NIC) is another entry
    const twoWhole: number[] = [];
    const twoStart: number[] = [];
    const smallStart: number[] = [];
    const clis = [{ name: 'this build', cli: CLI }, ...(OTHER_CLI ? [{ name: path.relative(process.cwd(), OTHER_CLI), cli: OTHER_CLI }] : [])];
    const idle = new Map(clis.map((c) => [c.name, { whole: [] as number[], start: [] as number[] }]));
    // Another build may key its snapshots otherwise: its first run makes its own entry.
    for (const c of clis.slice(1)) await smallRun(c.cli, scenario, cacheDir);
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of round % 2 ? [...clis].reverse() : clis) {
        await sleep(IDLE_MS);
        const run = await smallRun(c.cli, scenario, cacheDir);
        idle.get(c.name)!.whole.push(run.wallMs);
        idle.get(c.name)!.start.push(run.readyMs);
      }
      cold.push(await handRolledColdBoot(spec));
      const t = Date.now();
      const ready = await source.start(spec, { deadlineMs: 60_000, signal: new AbortController().signal });
      warm.push(Date.now() - t);
      ready.guest.close();
      await ready.machine.stop();
      const one = await smallRun(CLI, scenario, cacheDir);
      small.push(one.wallMs);
      smallStart.push(one.readyMs);
      const two = await smallRun(CLI, twoScenario, cacheDir);
      twoWhole.push(two.wallMs);
      twoStart.push(two.readyMs);
    }
    const baseline = median(cold);
    const vsCold = 'hand-rolled cold boot to SSH';
    rows.push({ measure: 'warm start to first command', baseline: vsCold, baselineMs: baseline, harnessMs: median(warm), target: 0.1 });
    rows.push({ measure: 'small scenario, whole run, warm', baseline: vsCold, baselineMs: baseline, harnessMs: median(small), target: 0.25 });
    rows.push({ measure: 'two guests: warm start (the slower)', baseline: 'one guest: warm start, same rounds', baselineMs: median(smallStart), harnessMs: median(twoStart), target: 2 });
    rows.push({ measure: 'two-guest scenario, whole run, warm', baseline: 'one-guest small run, same rounds', baselineMs: median(small), harnessMs: median(twoWhole), target: 2 });
    for (const c of clis) {
      const which = clis.length > 1 ? ` (${c.name})` : '';
      const { whole, start } = idle.get(c.name)!;
      rows.push({ measure: `warm start after ${IDLE_MS / 1000} s idle${which}`, baseline: vsCold, baselineMs: baseline, harnessMs: median(start), target: 0.2 });
      rows.push({ measure: `small run after ${IDLE_MS / 1000} s idle${which}`, baseline: vsCold, baselineMs: baseline, harnessMs: median(whole), target: 0.25 });
    }
    notes.push(`cold boots (ms): ${cold.join(', ')}; after-idle small runs (ms): ${clis.map((c) => `${c.name} ${idle.get(c.name)!.whole.join(', ')}`).join('; ')}`);
    await commandLatencies(source, spec);

    if (SUITE) {
      const coldSuite = await runSuite(['--no-snapshot', '--workers', '1'], cacheDir);
      await runSuite(['--workers', '1'], cacheDir); // makes every snapshot the suite needs
      const warmSuite = await runSuite(['--workers', '1'], cacheDir);
      const twoWorkers = await runSuite(['--workers', '2'], cacheDir);
      rows.push({ measure: 'shipped suite, warm, 1 worker', baseline: 'the suite with --no-snapshot', baselineMs: coldSuite.wallMs, harnessMs: warmSuite.wallMs, target: 0.5 });
      rows.push({ measure: 'shipped suite, warm, 2 workers', baseline: 'the same with 1 worker', baselineMs: warmSuite.wallMs, harnessMs: twoWorkers.wallMs, target: 0.65 });
      for (const [name, run] of [['--no-snapshot', coldSuite], ['warm, 1 worker', warmSuite], ['warm, 2 workers', twoWorkers]] as const) {
        const p = run.parts;
        notes.push(`suite ${name}: ${(run.wallMs / 1000).toFixed(0)} s wall (exit ${run.status}; ${run.outcomes}); summed over scenarios: guest start ${(p.start / 1000).toFixed(0)} s, setup ${(p.setup / 1000).toFixed(0)} s, steps ${(p.steps / 1000).toFixed(0)} s, rest ${(p.rest / 1000).toFixed(0)} s; peak memory: harness ${(run.harnessPeak / 1024 ** 2).toFixed(0)} MiB, one VM ${(run.qemuPeak / 1024 ** 2).toFixed(0)} MiB`);
      }
    } else {
      notes.push('suite figures: run with BENCH_SUITE=1 (about 20 minutes under TCG)');
    }
  } finally {
    if (!keptCache) await rm(cacheDir, { recursive: true, force: true });
  }

  console.log('\nmeasure                                      harness ms   baseline ms   ratio   target  baseline');
  for (const r of rows) {
    const ratio = r.harnessMs / r.baselineMs;
    const target = r.target === undefined ? '' : `${ratio <= r.target ? '≤' : '>'} ${r.target}`;
    console.log(`${r.measure.padEnd(44)} ${r.harnessMs.toFixed(0).padStart(10)} ${r.baselineMs.toFixed(0).padStart(13)}   ${ratio.toFixed(2).padStart(5)}   ${target.padEnd(6)}  ${r.baseline}`);
  }
  for (const note of notes) console.log(note);
  const out = path.join(REPO_ROOT, 'reports', 'bench.json');
  if (!existsSync(path.dirname(out))) await mkdir(path.dirname(out), { recursive: true });
  const json = { date: new Date().toISOString(), accel: accel.accel, cores: os.availableParallelism(), rounds: ROUNDS, rows: rows.map((r) => ({ ...r, ratio: r.harnessMs / r.baselineMs })), notes };
  await writeFile(out, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nwritten: ${path.relative(process.cwd(), out)}`);
}

await main();
