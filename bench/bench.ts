// `npm run bench`: how fast the harness gets from nothing to a command in a guest, and
// how cheap a command is once there, each as a ratio against a baseline measured in
// the same run on the same machine (absolute seconds mean little across machines).
//
//   boot:  baseline = QEMU started by hand with the same argv, polled with OpenSSH;
//          harness  = Machine.boot + Guest.connect + first exec.
//   exec:  baseline = `ssh root@guest true` (a new OpenSSH connection each time);
//          harness  = Guest.exec('true') over the one ssh2 connection.
import path from 'node:path';
import { execa } from 'execa';
import { Guest } from '../harness/guest/guest.js';
import { chooseAccel } from '../harness/vm/accel.js';
import { loadImage, type ImageInfo } from '../harness/vm/image.js';
import { Machine } from '../harness/vm/machine.js';
import { resolveVmSpec, type VmSpec } from '../harness/vm/spec.js';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const EXECS = Number(process.env.BENCH_EXECS ?? 30);

function sshArgs(image: ImageInfo, port: number, command: string): string[] {
  return ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
    '-o', 'ConnectTimeout=5', '-i', image.privateKey, '-p', String(port), 'root@127.0.0.1', command];
}

/** The baseline boot: what a person does by hand (start QEMU, retry ssh until it answers). */
async function baselineBoot(spec: VmSpec): Promise<number> {
  const started = Date.now();
  const machine = await Machine.boot(spec); // same argv and overlay; only the readiness path differs
  try {
    for (;;) {
      const r = await execa('ssh', sshArgs(spec.image, machine.sshPort, 'true'), { reject: false });
      if (r.exitCode === 0) return Date.now() - started;
      if (Date.now() - started > 240_000) throw new Error('baseline guest never answered');
      await new Promise((res) => setTimeout(res, 250));
    }
  } finally {
    await machine.stop();
  }
}

async function harnessBoot(spec: VmSpec): Promise<{ ms: number; machine: Machine; guest: Guest }> {
  const started = Date.now();
  const machine = await Machine.boot(spec);
  const guest = await Guest.connect({
    port: machine.sshPort, user: 'root', privateKeyPath: spec.image.privateKey,
    hostKeyFingerprint: spec.image.hostKeyFingerprint, deadlineMs: 240_000, lost: machine.lost,
  });
  await guest.succeed('true');
  return { ms: Date.now() - started, machine, guest };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const image = await loadImage(path.join(REPO_ROOT, 'images/out'), 'debian-bookworm');
  const accel = await chooseAccel('auto');
  const spec = resolveVmSpec(image, {}, accel.accel);
  console.log(`accelerator: ${accel.accel} (${accel.reason}); ${ROUNDS} boot rounds, ${EXECS} execs`);

  const baseBoots: number[] = [];
  const ourBoots: number[] = [];
  const baseExecs: number[] = [];
  const ourExecs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    baseBoots.push(await baselineBoot(spec));
    const { ms, machine, guest } = await harnessBoot(spec);
    ourBoots.push(ms);
    try {
      for (let i = 0; i < EXECS; i++) {
        let t = Date.now();
        await execa('ssh', sshArgs(image, machine.sshPort, 'true'));
        baseExecs.push(Date.now() - t);
        t = Date.now();
        await guest.succeed('true');
        ourExecs.push(Date.now() - t);
      }
    } finally {
      guest.close();
      await machine.stop();
    }
  }
  const rows = [
    ['cold boot to first command', median(baseBoots), median(ourBoots)],
    ['one command (median)', median(baseExecs), median(ourExecs)],
  ] as const;
  console.log('\nmeasure                        baseline ms   harness ms   harness/baseline');
  for (const [name, base, ours] of rows) {
    console.log(`${name.padEnd(30)} ${String(base).padStart(11)} ${String(ours).padStart(12)}   ${(ours / base).toFixed(2)}`);
  }
}

await main();
