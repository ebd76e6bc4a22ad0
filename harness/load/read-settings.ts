// The settings a scenario shares with an overlay (`harness run --overlay`): `vm:`, `files:`
// and `sysctl:`, each read with located errors.
import { isScalar } from 'yaml';
import { Reader, required, type Value } from '../scenario/read.js';
import { readOwnership } from '../scenario/read-values.js';
import type { Accel, FileSpec, VmSettings } from '../scenario/types.js';
import { parseGuestSide, parseHostSide, type Outbound } from '../vm/outbound.js';

const VM_KEYS = ['memory', 'cpus', 'threads', 'cpuModel', 'kernelParams', 'accel', 'outbound'];
const ACCELS: readonly Accel[] = ['auto', 'kvm', 'tcg'];
const FILE_KEYS = ['content', 'mode', 'owner', 'group'];

// ── vm ──────────────────────────────────────────────────────────────────────

export function readVm(r: Reader, v: Value): VmSettings | undefined {
  const fields = r.fields(v, VM_KEYS, '`vm` settings');
  if (!fields) return undefined;
  const vm: VmSettings = {};
  for (const key of ['memory', 'cpus', 'threads'] as const) {
    const field = fields.get(key);
    if (field) vm[key] = r.integer(field, 1);
  }
  const cpuModel = fields.get('cpuModel');
  if (cpuModel) vm.cpuModel = r.nonEmptyString(cpuModel, 'a QEMU -cpu model');
  const kernelParams = fields.get('kernelParams');
  if (kernelParams) vm.kernelParams = r.stringList(kernelParams, 'kernel parameters');
  const accel = fields.get('accel');
  if (accel) vm.accel = r.oneOf(accel, ACCELS);
  const outbound = fields.get('outbound');
  if (outbound) vm.outbound = readOutbound(r, outbound);
  const threads = fields.get('threads');
  if (vm.cpus !== undefined && vm.threads !== undefined && vm.cpus % vm.threads !== 0) {
    r.fail(threads!.at, threads!.path, `cpus (${vm.cpus}) must be a multiple of threads (${vm.threads}), as cores = cpus / threads`);
  }
  return vm;
}

/** `outbound: {"10.0.2.100:8080": "127.0.0.1:8080"}`: guest-side address → host address. */
function readOutbound(r: Reader, v: Value): Outbound[] | undefined {
  const entries = r.entries(v, 'ways out of the guest (guest ADDRESS:PORT: host HOST:PORT)');
  if (!entries) return undefined;
  const out: Outbound[] = [];
  for (const [guestSide, value] of entries) {
    const guest = parseGuestSide(guestSide);
    if (typeof guest === 'string') {
      r.failAtKey(value, guest);
      continue;
    }
    const text = r.nonEmptyString(value, 'the host address the guest may reach, HOST:PORT');
    if (text === undefined) continue;
    const host = parseHostSide(text);
    if (typeof host === 'string') r.fail(value.at, value.path, `"${text}": ${host}`);
    else out.push({ guestAddress: guest.address, guestPort: guest.port, host: host.host, port: host.port });
  }
  return out;
}

// ── files and sysctl ────────────────────────────────────────────────────────

export function readFiles(r: Reader, v: Value): Record<string, FileSpec> | undefined {
  const entries = r.entries(v, 'files to write');
  if (!entries) return undefined;
  const files: Record<string, FileSpec> = {};
  for (const [filePath, value] of entries) {
    if (!filePath.startsWith('/')) r.failAtKey(value, `expected an absolute path, got "${filePath}"`);
    const spec = readFileSpec(r, value);
    if (spec) files[filePath] = { ...spec, ...(value.keyAt ? { at: value.keyAt } : {}) };
  }
  return files;
}

function readFileSpec(r: Reader, v: Value): FileSpec | undefined {
  const fields = r.fields(v, FILE_KEYS, 'a file to write');
  if (!fields) return undefined;
  const contentField = required(r, fields, 'content', 'a file to write needs `content:`', v.keyAt);
  const content = contentField && r.string(contentField, 'the file content');
  if (content === undefined) return undefined;
  return { content, ...readOwnership(r, fields) };
}

export function readSysctl(r: Reader, v: Value): Record<string, string> | undefined {
  const entries = r.entries(v, 'sysctl settings');
  if (!entries) return undefined;
  const sysctl: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/.test(key)) {
      r.failAtKey(value, `"${key}" is not a sysctl name such as kernel.unprivileged_userns_clone`);
      continue;
    }
    const setting = readSysctlValue(r, value);
    if (setting !== undefined) sysctl[key] = setting;
  }
  return sysctl;
}

function readSysctlValue(r: Reader, v: Value): string | undefined {
  // sysctl -w takes 1/0, not true/false; saying so beats a failure inside the guest.
  if (isScalar(v.node) && typeof v.node.value === 'boolean') return r.fail(v.at, v.path, 'sysctl values are numbers or text; write 1 or 0, not true/false');
  return r.scalarText(v, 'a sysctl value (a number or text)');
}
