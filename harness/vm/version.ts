import { execa } from 'execa';

let cached: Promise<string> | undefined;

/** "7.2.22" or so: a property of every report, read once per run. */
export function qemuVersion(): Promise<string> {
  cached ??= execa('qemu-system-x86_64', ['--version'], { reject: false }).then(
    (r) => /version (\S+)/.exec(r.stdout)?.[1] ?? 'unknown',
  );
  return cached;
}
