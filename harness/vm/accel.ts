// Is KVM usable? /dev/kvm existing, or even KVM_CREATE_VM succeeding, does not say: under
// nested virtualisation a guest can hang forever, and a CPU model can be refused at start
// ("failed to set MSR 0x10a"). A few real-mode instructions are not enough either: on such
// hosts they run, and a kernel then hangs the moment it leaves real mode. So the probe boots
// the image's own kernel, with the CPU model runs use, through its whole start-up to the
// panic it meets with no root file system (panic=-1 plus -no-reboot make that QEMU's exit).
// Under KVM that takes about a second; where KVM hangs it costs the deadline.
import { access, constants, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { KVM_CPU_MODEL, type Engine } from './spec.js';
import { makeWorkDir, removeWorkDir } from './workdir.js';

export interface AccelChoice {
  accel: Engine;
  /** Why, in words a user reading a CI log understands. */
  reason: string;
}

export interface ProbeOptions {
  /** A guest kernel to boot (any image's): the probe runs it to its start-up's end. */
  kernel: string;
  deadlineMs?: number;
  /** Where to keep the verdict for the rest of the host's boot, so later runs do not pay it. */
  verdictFile?: string;
}

export interface ProbeResult {
  ran: boolean;
  /** Why not, when it did not: QEMU's error, or how far the kernel got. */
  why: string;
}

const DEFAULT_PROBE_DEADLINE_MS = 10_000;
// Bumped whenever the probe changes, so a verdict an older probe kept is not trusted.
const PROBE_VERSION = 2;

/** Boots `kernel` under an accelerator to its no-root panic; says whether it got there in time. */
export async function kernelRunsUnder(accel: Engine, kernel: string, deadlineMs: number): Promise<ProbeResult> {
  const dir = await makeWorkDir();
  try {
    const consoleLog = path.join(dir, 'console.log');
    const result = await execa(
      'qemu-system-x86_64',
      ['-accel', accel === 'kvm' ? 'kvm' : 'tcg,thread=multi', ...(accel === 'kvm' ? ['-cpu', KVM_CPU_MODEL] : []),
        '-smp', '2', '-m', '256', '-nodefaults', '-display', 'none', '-no-user-config', '-no-reboot',
        '-serial', `file:${consoleLog}`, '-kernel', kernel,
        '-append', 'console=ttyS0 panic=-1 root=/dev/nonexistent'],
      { reject: false, timeout: deadlineMs, killSignal: 'SIGKILL', stdin: 'ignore' },
    );
    const consoleText = await readFile(consoleLog, 'utf8').catch(() => '');
    if (!result.timedOut && result.exitCode === 0 && /Kernel panic/.test(consoleText)) return { ran: true, why: '' };
    if (result.timedOut) {
      const last = consoleText.trim().split('\n').at(-1)?.trim();
      return { ran: false, why: `a probe kernel did not finish starting within ${deadlineMs} ms (${last ? `its console stopped at: ${last}` : 'its console stayed empty'})` };
    }
    const error = result.stderr.split('\n').find((l) => /error/i.test(l)) ?? result.stderr.split('\n').find((l) => l.trim()) ?? `status ${result.exitCode}`;
    return { ran: false, why: `QEMU could not run a probe kernel: ${error.replace(/^qemu-system-x86_64: (error: )?/, '')}` };
  } finally {
    await removeWorkDir(dir);
  }
}

async function kvmDeviceUsable(): Promise<boolean> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

let kvmProbe: Promise<KvmVerdict> | undefined;

interface KvmVerdict {
  usable: boolean;
  why: string;
}

/** Where runs keep the probe's verdict: beside the snapshot cache (the same root). */
export function verdictFileIn(cacheRoot: string): string {
  return path.join(cacheRoot, 'kvm-probe.json');
}

/**
 * Resolves `auto | kvm | tcg`. `kvm` where KVM does not run a guest is an error, not a hang.
 * The probe runs once per process; with `verdictFile`, once per host boot (keyed by boot_id).
 */
export async function chooseAccel(wanted: 'auto' | Engine, probe: ProbeOptions): Promise<AccelChoice> {
  if (wanted === 'tcg') return { accel: 'tcg', reason: 'tcg requested' };
  const deadlineMs = probe.deadlineMs ?? DEFAULT_PROBE_DEADLINE_MS;
  kvmProbe ??= probe.verdictFile ? rememberedProbe(probe.verdictFile, probe.kernel, deadlineMs) : probeKvm(probe.kernel, deadlineMs);
  const kvm = await kvmProbe;
  if (wanted === 'kvm') {
    if (!kvm.usable) throw new Error(`--accel kvm: KVM is not usable here: ${kvm.why}`);
    return { accel: 'kvm', reason: `kvm requested; ${kvm.why}` };
  }
  return kvm.usable ? { accel: 'kvm', reason: `auto: ${kvm.why}` } : { accel: 'tcg', reason: `auto: ${kvm.why}, so TCG` };
}

async function probeKvm(kernel: string, deadlineMs: number): Promise<KvmVerdict> {
  if (!(await kvmDeviceUsable())) return { usable: false, why: '/dev/kvm is missing or not accessible' };
  const probe = await kernelRunsUnder('kvm', kernel, deadlineMs);
  if (probe.ran) return { usable: true, why: `a probe kernel started under KVM with -cpu ${KVM_CPU_MODEL}` };
  return { usable: false, why: `/dev/kvm exists but ${probe.why}` };
}

async function rememberedProbe(file: string, kernel: string, deadlineMs: number): Promise<KvmVerdict> {
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  const device = await kvmDeviceUsable();
  const key = `${PROBE_VERSION}:${bootId}:${device}`;
  try {
    const kept = JSON.parse(await readFile(file, 'utf8')) as { key: string; verdict: KvmVerdict };
    if (bootId && kept.key === key) return { ...kept.verdict, why: `${kept.verdict.why} (probed earlier this boot)` };
  } catch {
    // none kept yet, or unreadable: probe
  }
  const verdict = await probeKvm(kernel, deadlineMs);
  if (bootId) {
    await mkdir(path.dirname(file), { recursive: true }).catch(() => {});
    await writeFile(`${file}.${process.pid}`, JSON.stringify({ key, verdict }))
      .then(() => rename(`${file}.${process.pid}`, file))
      .catch(() => {});
  }
  return verdict;
}
