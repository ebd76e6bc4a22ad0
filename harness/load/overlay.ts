// An overlay (`harness run --overlay FILE`): files, sysctl settings and kernel parameters
// merged into every scenario of a run. It serves site configuration (a proxy's CA, a
// local policy) and the seeded regressions of `harness mutants` alike. Where an overlay
// and a scenario set the same file or sysctl, the overlay wins: it stands for what the
// site, or a bad upgrade, does to every system. `removeSysctl` stands for a setting no
// longer made (some can only be written one way: kernel.kexec_load_disabled takes 1 only).
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { byPosition, fileError, ScenarioError, ScenarioErrors } from '../scenario/errors.js';
import { optionalField, Reader } from '../scenario/read.js';
import type { FileSpec, Location } from '../scenario/types.js';
import { readFiles, readSysctl } from './read-settings.js';
import type { GuestSpec, Scenario } from './scenario.js';

export interface Overlay {
  /** The overlay's own name (`name:`), else its file name. */
  name: string;
  description?: string;
  file: string;
  files: Record<string, FileSpec>;
  sysctl: Record<string, string>;
  /** Taken out of every scenario's `sysctl:`: the setting is no longer made at all. */
  removeSysctl: string[];
  /** Appended to every scenario's kernel command line. */
  kernelParams: string[];
  /** Taken off every scenario's kernel command line: a name drops `name` and `name=…`. */
  removeKernelParams: string[];
}

const OVERLAY_KEYS = ['name', 'description', 'files', 'sysctl', 'removeSysctl', 'vm'];
const CHANGING_KEYS = OVERLAY_KEYS.slice(2);
const OVERLAY_VM_KEYS = ['kernelParams', 'removeKernelParams'];

export async function loadOverlayFile(file: string): Promise<Overlay> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScenarioErrors([fileError(file, `cannot read the overlay: ${(err as Error).message}`)]);
  }
  return loadOverlayText(text, file);
}

/** Validates overlay YAML; throws ScenarioErrors naming FILE:LINE:COL and the key. */
export function loadOverlayText(text: string, file: string): Overlay {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length > 0) {
    throw new ScenarioErrors(
      syntax.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return new ScenarioError(file, line, col, '', `invalid YAML: ${e.message}`);
      }),
    );
  }
  const r = new Reader(file, doc, lines);
  const overlay = readOverlay(r);
  if (r.errors.length > 0 || !overlay) {
    if (r.errors.length === 0) r.fail({ file, line: 1, col: 1 }, '', 'the overlay could not be read');
    throw new ScenarioErrors(r.errors.sort(byPosition));
  }
  return overlay;
}

function readOverlay(r: Reader): Overlay | undefined {
  const root = r.root();
  if (root.node === null) return r.fail(root.at, '', `an overlay needs at least one of ${CHANGING_KEYS.map((k) => `\`${k}\``).join(', ')}`);
  const fields = r.fields(root, OVERLAY_KEYS, 'an overlay');
  if (!fields) return undefined;
  if (!CHANGING_KEYS.some((key) => fields.has(key))) {
    return r.fail(root.at, '', 'an overlay that changes nothing would prove nothing: give it `files`, `sysctl`, `removeSysctl` or `vm`');
  }
  const name = optionalField(fields, 'name', (v) => r.nonEmptyString(v, 'the overlay name')) ?? r.file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  const description = optionalField(fields, 'description', (v) => r.string(v, 'a description'));
  const files = optionalField(fields, 'files', (v) => readFiles(r, v)) ?? {};
  const sysctl = optionalField(fields, 'sysctl', (v) => readSysctl(r, v)) ?? {};
  const removeSysctl = optionalField(fields, 'removeSysctl', (v) => r.stringList(v, 'sysctl keys')) ?? [];
  const vm = optionalField(fields, 'vm', (v) => r.fields(v, OVERLAY_VM_KEYS, 'an overlay\'s `vm` (it adds or removes kernel parameters)'));
  const kernelParams = (vm && optionalField(vm, 'kernelParams', (v) => r.stringList(v, 'kernel parameters'))) ?? [];
  const removeKernelParams = (vm && optionalField(vm, 'removeKernelParams', (v) => r.stringList(v, 'kernel parameter names'))) ?? [];
  return { name, ...(description !== undefined ? { description } : {}), file: r.file, files, sysctl, removeSysctl, kernelParams, removeKernelParams };
}

/** The scenario as it runs under the overlay: each of its guests changed alike. */
export function applyOverlay(scenario: Scenario, overlay: Overlay): Scenario {
  return { ...scenario, guests: scenario.guests.map((guest) => overlaidGuest(guest, overlay)) };
}

function overlaidGuest(scenario: GuestSpec, overlay: Overlay): GuestSpec {
  const removed = (param: string) => overlay.removeKernelParams.some((name) => param === name || param.startsWith(`${name}=`));
  const kernelParams = [...(scenario.vm.kernelParams ?? []).filter((p) => !removed(p)), ...overlay.kernelParams];
  const vm = { ...scenario.vm };
  if (kernelParams.length > 0) vm.kernelParams = kernelParams;
  else delete vm.kernelParams;
  const overlayAt: Location = { file: overlay.file, line: 1, col: 1 };
  const files = { ...scenario.files };
  for (const [path, spec] of Object.entries(overlay.files)) files[path] = { ...spec, at: spec.at ?? overlayAt };
  const sysctl = { ...scenario.sysctl, ...overlay.sysctl };
  for (const key of overlay.removeSysctl) delete sysctl[key];
  return { ...scenario, vm, files, sysctl };
}
