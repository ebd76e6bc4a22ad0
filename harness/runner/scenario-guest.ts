// One guest of a running scenario: its image and VM, the versions its steps' `when:` read
// (changed by an `upgrade:` step), its ready guest once started, and the JUnit properties
// that say what it was. A one-guest scenario has one, and its properties keep the names
// they always had; with several, each guest's are under `guest.NAME.`.
import type { GuestSpec } from '../load/scenario.js';
import { packageProperties, type ImageInfo, type PackageVersions } from '../vm/image.js';
import { kernelCommandLine, smpArgument } from '../vm/qemu-args.js';
import { privateAddress } from '../vm/private-network.js';
import { resolveVmSpec, type Engine, type VmSpec } from '../vm/spec.js';
import type { ReadyGuest } from './guest-source.js';

export class ScenarioGuest {
  ready?: ReadyGuest;
  /** What `when:` reads for steps on this guest: the versions the image recorded, until an
   *  `upgrade:` step installs others. */
  versions: PackageVersions;
  readonly properties: Record<string, string> = {};

  constructor(
    readonly spec: GuestSpec,
    readonly image: ImageInfo,
    /** Its place in the scenario's order, which gives its private address. */
    readonly index: number,
    /** One of several: its properties and messages carry its name. */
    readonly several: boolean,
  ) {
    this.versions = image.packages;
  }

  get name(): string {
    return this.spec.name;
  }

  /** How messages name it: nothing in a one-guest scenario. */
  get label(): string {
    return this.several ? `guest ${this.name}: ` : '';
  }

  /** Its VM, with a NIC on the private network when the scenario has several guests. */
  vmSpec(accel: Engine, switchSocket?: string): VmSpec {
    const spec = resolveVmSpec(this.image, this.spec.vm, accel);
    return switchSocket === undefined ? spec : { ...spec, privateNic: { switchSocket, guest: this.name } };
  }

  /** What it is, before it starts. */
  describe(spec: VmSpec): void {
    const { derived } = this.image;
    this.set({
      // the image under test, as compare's columns read it; one built for `packages:` is named beside it
      image: derived?.base ?? this.image.name,
      ...(derived ? { 'image.booted': this.image.name, 'image.packages': derived.packages.join(' ') } : {}),
      distro: `${this.image.distro} ${this.image.release}`,
      'vm.cpu': spec.cpuModel,
      'vm.smp': smpArgument(spec),
      'vm.memory': `${spec.memory}M`,
      'kernel.cmdline': kernelCommandLine(spec),
      // as recorded at build time (what `when:` is read against), with each package's origin
      ...packageProperties(this.image),
      ...(this.several ? { address: privateAddress(this.index) } : {}),
    });
  }

  /** How it came to be, and what it runs, once ready. */
  started(ready: ReadyGuest): void {
    this.ready = ready;
    this.set({
      'guest.origin': ready.origin,
      'guest.ready.ms': String(ready.readyMs),
      ...(ready.bootMs !== undefined ? { 'boot.ms': String(ready.bootMs) } : {}),
      ...(ready.notices.length ? { 'guest.notices': ready.notices.join('; ') } : {}),
      'systemd.version': /systemd (\d+)/.exec(ready.facts.systemd)?.[1] ?? ready.facts.systemd,
      'systemd.full': ready.facts.systemd,
      'kernel.release': ready.facts.kernel,
    });
  }

  /** Sets properties under this guest's prefix (`guest.NAME.` when one of several). */
  set(values: Record<string, string>): void {
    for (const [key, value] of Object.entries(values)) this.properties[this.several ? `guest.${this.name}.${key.replace(/^guest\./, '')}` : key] = value;
  }
}
