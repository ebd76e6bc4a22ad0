// Is KVM usable? /dev/kvm existing, or even KVM_CREATE_VM succeeding, does not say:
// under nested virtualisation a guest can hang forever. So run a 512-byte guest that
// only tells QEMU to exit with a known status, under a short deadline.
import { access, constants, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { makeWorkDir, removeWorkDir } from './workdir.js';

export interface AccelChoice {
  accel: 'kvm' | 'tcg';
  /** Why, in words a user reading a CI log understands. */
  reason: string;
}

// mov al,0x10 ; out 0xf4,al (isa-debug-exit) ; hlt ; jmp back to hlt
const BOOT_CODE = [0xb0, 0x10, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd];
// isa-debug-exit turns the byte written into the exit status (value << 1) | 1.
const EXPECTED_STATUS = (0x10 << 1) | 1;

function bootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from(BOOT_CODE).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** Runs the probe guest under an accelerator; true when it ran to its end in time. */
export async function guestRunsUnder(accel: 'kvm' | 'tcg', deadlineMs: number): Promise<boolean> {
  const dir = await makeWorkDir();
  try {
    const disk = path.join(dir, 'probe.img');
    await writeFile(disk, bootSector());
    const result = await execa(
      'qemu-system-x86_64',
      ['-accel', accel, '-nodefaults', '-display', 'none', '-no-user-config',
        '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
        '-drive', `file=${disk},format=raw,if=ide`],
      { reject: false, timeout: deadlineMs, killSignal: 'SIGKILL', stdin: 'ignore' },
    );
    return !result.timedOut && result.exitCode === EXPECTED_STATUS;
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

/**
 * Resolves `auto | kvm | tcg`. `kvm` where KVM does not run a guest is an error, not a hang.
 * Where KVM hangs, the probe costs its whole deadline; with `verdictFile` its answer is kept
 * for the rest of the host's boot (keyed by boot_id), so later runs do not pay it again.
 */
export async function chooseAccel(wanted: 'auto' | 'kvm' | 'tcg', probeDeadlineMs = 4000, verdictFile?: string): Promise<AccelChoice> {
  if (wanted === 'tcg') return { accel: 'tcg', reason: 'tcg requested' };
  kvmProbe ??= verdictFile ? rememberedProbe(verdictFile, probeDeadlineMs) : probeKvm(probeDeadlineMs);
  const kvm = await kvmProbe;
  if (wanted === 'kvm') {
    if (!kvm.usable) throw new Error(`--accel kvm: KVM is not usable here: ${kvm.why}`);
    return { accel: 'kvm', reason: `kvm requested; ${kvm.why}` };
  }
  return kvm.usable ? { accel: 'kvm', reason: `auto: ${kvm.why}` } : { accel: 'tcg', reason: `auto: ${kvm.why}, so TCG` };
}

async function probeKvm(deadlineMs: number): Promise<{ usable: boolean; why: string }> {
  if (!(await kvmDeviceUsable())) return { usable: false, why: '/dev/kvm is missing or not accessible' };
  if (await guestRunsUnder('kvm', deadlineMs)) return { usable: true, why: 'a probe guest ran under KVM' };
  return { usable: false, why: `/dev/kvm exists but a probe guest did not run under KVM within ${deadlineMs} ms` };
}

async function rememberedProbe(file: string, deadlineMs: number): Promise<KvmVerdict> {
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
  const device = await kvmDeviceUsable();
  const key = `${bootId}:${device}`;
  try {
    const kept = JSON.parse(await readFile(file, 'utf8')) as { key: string; verdict: KvmVerdict };
    if (bootId && kept.key === key) return { ...kept.verdict, why: `${kept.verdict.why} (probed earlier this boot)` };
  } catch {
    // none kept yet, or unreadable: probe
  }
  const verdict = await probeKvm(deadlineMs);
  if (bootId) {
    await mkdir(path.dirname(file), { recursive: true }).catch(() => {});
    await writeFile(`${file}.${process.pid}`, JSON.stringify({ key, verdict }))
      .then(() => rename(`${file}.${process.pid}`, file))
      .catch(() => {});
  }
  return verdict;
}
