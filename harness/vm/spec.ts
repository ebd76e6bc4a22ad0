// What to boot: everything QEMU needs to know, resolved from an image and a scenario's vm settings.
import type { ImageInfo } from './image.js';
import type { Outbound } from './outbound.js';

/** The accelerator a guest runs under (the scenario setting adds `auto`, which the probe resolves). */
export type Engine = 'kvm' | 'tcg';

export interface VmSpec {
  image: ImageInfo;
  memory: number; // MiB
  cpus: number;
  threads: number; // SMT threads per core
  cpuModel: string;
  kernelParams: string[]; // appended to the image's kernel command line
  accel: Engine;
  /** The guest's only ways out; none by default (the network is restricted). Not part of
   *  a snapshot's key: the network's policy is QEMU's, set by each restore's own argv. */
  outbound: Outbound[];
  /** A second NIC on the scenario's private network (vm/private-network.ts), for a scenario
   *  with several guests, joined at its switch's socket folder. The switch is the run's, not
   *  a snapshot's: only that there is such a NIC is part of a snapshot's key. */
  privateNic?: { switchSocket: string; guest: string };
}

export interface VmSettingsInput {
  memory?: number;
  cpus?: number;
  threads?: number;
  cpuModel?: string;
  kernelParams?: string[];
  outbound?: Outbound[];
}

/** The CPU model under KVM unless a scenario names one: the host's own, as the KVM probe boots with. */
export const KVM_CPU_MODEL = 'host';

/** Scenario settings over image defaults. The accelerator is resolved separately (it needs a probe). */
export function resolveVmSpec(image: ImageInfo, settings: VmSettingsInput, accel: Engine): VmSpec {
  return {
    image,
    memory: settings.memory ?? image.vm.memory,
    cpus: settings.cpus ?? image.vm.cpus,
    threads: settings.threads ?? image.vm.threads,
    cpuModel: settings.cpuModel ?? (accel === 'kvm' ? KVM_CPU_MODEL : image.vm.cpuModel),
    kernelParams: settings.kernelParams ?? [],
    accel,
    outbound: settings.outbound ?? [],
  };
}
