// The `services:` map of a scenario: each service (`exec:` or `unit:`), its user, its
// [Service] settings and its `confinement`, read and checked as load.ts reads the rest.
import { isScalar, isSeq } from 'yaml';
import { optionalField, type Reader, type Value } from '../scenario/read.js';
import { readAbsolutePath } from '../scenario/read-values.js';
import type { Confinement, ServiceSpec, ServiceUser } from '../scenario/types.js';
import { systemdBoolean } from '../scenario/unit-settings.js';
import { confinementRoot } from '../confinement/unit.js';

const SERVICE_KEYS = ['exec', 'unit', 'user', 'serviceConfig', 'confinement'];
const CONFINEMENT_KEYS = ['mode', 'packages', 'binSh', 'fullUnit'];
const CONFINEMENT_MODES: readonly Confinement['mode'][] = ['full-apivfs', 'chroot-only'];

/**
 * Units of the image the harness itself depends on, by the names a service would take
 * (a service `NAME` with `exec:` is written as /etc/systemd/system/NAME.service, over the
 * unit or through the alias). Any other unit or alias of the image is refused at setup,
 * when the guest can be asked.
 */
const HARNESS_UNITS: Record<string, string> = {
  ssh: "the guest's SSH server, the harness's only way in",
  sshd: "Debian's alias of ssh.service, the guest's SSH server and the harness's only way in",
  'systemd-networkd': "the guest's network, which SSH comes in by",
  'dbus-org.freedesktop.network1': "the alias of systemd-networkd.service, the guest's network, which SSH comes in by",
  'systemd-journald': 'the journal that `journal:` steps read',
  'systemd-sysctl': "what applies the scenario's `sysctl:` again after a `reboot:`",
};

interface Services {
  specs: ServiceSpec[];
  /** Every declared name, valid or not, so that steps naming one are not reported twice. */
  names?: ReadonlySet<string>;
}

/** The declared services, and every name declared (for steps that name one). */
export function readServices(r: Reader, v: Value): Services {
  const entries = r.entries(v, 'services');
  if (!entries) return { specs: [] };
  const specs = entries.map(([name, value]) => readService(r, name, value)).filter((s): s is ServiceSpec => s !== undefined);
  return { specs, names: new Set(entries.map(([name]) => name)) };
}

function readService(r: Reader, name: string, v: Value): ServiceSpec | undefined {
  if (!/^[A-Za-z0-9_.@-]+$/.test(name)) {
    r.failAtKey(v, `"${name}" is not a service name (letters, digits and _ . @ - only)`);
  }
  const fields = r.fields(v, SERVICE_KEYS, 'a service');
  if (!fields) return undefined;
  const execField = fields.get('exec');
  const unitField = fields.get('unit');
  if (execField && unitField) {
    r.failAtKey(unitField, 'a service has either `exec:` (a command the harness runs) or `unit:` (an existing unit), not both');
  } else if (!execField && !unitField) {
    r.failAtKey(v, 'a service needs `exec:` (a command the harness runs) or `unit:` (an existing unit of the image)');
  }
  const exec = execField && readExec(r, execField);
  if (execField && name.endsWith('.service')) {
    r.failAtKey(v, `name the service without ".service" (the harness installs \`${name.slice(0, -8)}\` as ${name})`);
  }
  if (execField && HARNESS_UNITS[name]) {
    r.failAtKey(v, `a service named \`${name}\` would be written as ${name}.service, which is ${HARNESS_UNITS[name]}: the harness depends on it; name the service otherwise`);
  }
  const unit = unitField && readUnitName(r, unitField);
  const user = optionalField(fields, 'user', (f) => readServiceUser(r, f)) ?? { kind: 'root' };
  const confinementField = fields.get('confinement');
  const confined = confinementField ? name : undefined;
  const serviceConfig = optionalField(fields, 'serviceConfig', (f) => readServiceConfig(r, f, confined)) ?? {};
  const confinement = confinementField && readConfinement(r, confinementField);

  const spec: ServiceSpec = { name, user, serviceConfig, at: v.keyAt ?? v.at };
  if (exec !== undefined) spec.exec = exec;
  if (unit !== undefined) spec.unit = unit;
  if (confinement !== undefined) spec.confinement = confinement;
  return spec;
}

/** `confinement:` with nothing after it, or `{}`, confines with every default. */
function readConfinement(r: Reader, v: Value): Confinement | undefined {
  const confinement: Confinement = { mode: 'full-apivfs', packages: [], binSh: '/bin/sh', fullUnit: false };
  if (isScalar(v.node) && v.node.value === null) return confinement;
  const fields = r.fields(v, CONFINEMENT_KEYS, '`confinement` settings');
  if (!fields) return undefined;
  const mode = fields.get('mode');
  if (mode) confinement.mode = r.oneOf(mode, CONFINEMENT_MODES) ?? confinement.mode;
  const packages = fields.get('packages');
  const items = packages && r.items(packages, 'a list of absolute paths');
  if (items) confinement.packages = items.map((item) => readAbsolutePath(r, item) ?? '');
  const binSh = fields.get('binSh');
  // `binSh: null` (or `binSh: ~`) is the way to say: no /bin/sh at all.
  if (binSh) confinement.binSh = isScalar(binSh.node) && binSh.node.value === null && binSh.node.source !== '' ? null : (readAbsolutePath(r, binSh) ?? null);
  const fullUnit = fields.get('fullUnit');
  if (fullUnit) confinement.fullUnit = r.bool(fullUnit) ?? false;
  return confinement;
}

/**
 * The settings NixOS's module negates (`!`) when it confines a service: anything but one
 * boolean fails its evaluation. Each with what the module reads it for.
 */
const READ_AS_BOOLEAN: Record<string, string> = {
  RootDirectoryStartOnly: 'it refuses true',
  PrivateTmp: 'to decide whether /tmp and /var/tmp are hidden',
};

/** What NixOS's module refuses of a confined service's own settings, refused at the setting. */
function refuseBesideConfinement(r: Reader, service: string, key: string, v: Value, setting: string | string[]): void {
  if (key === 'RootDirectory') {
    r.failAtKey(v, `RootDirectory cannot be set with \`confinement\`, which roots the service at ${confinementRoot(service)} itself (in NixOS the two are conflicting definitions)`);
    return;
  }
  const why = READ_AS_BOOLEAN[key];
  if (why === undefined) return;
  const value = Array.isArray(setting) ? undefined : systemdBoolean(setting);
  if (value === undefined) {
    r.fail(v.at, v.path, `with \`confinement\`, ${key} takes one true or false, as NixOS's module reads it (${why}); got ${describeSetting(setting)}`);
  } else if (value && key === 'RootDirectoryStartOnly') {
    // As in NixOS: systemd cannot limit the chroot's bind mounts to ExecStart.
    r.failAtKey(v, 'RootDirectoryStartOnly cannot be used with `confinement`: systemd cannot restrict the bind mounts to ExecStart, so ExecStartPre/Post would run outside the chroot without them');
  }
}

function describeSetting(setting: string | string[]): string {
  if (!Array.isArray(setting)) return `"${setting}"`;
  return setting.length ? `a list (systemd would read its last item, "${setting[setting.length - 1]}")` : 'an empty list';
}

function readExec(r: Reader, v: Value): string | undefined {
  const exec = r.nonEmptyString(v, 'a command line (ExecStart)');
  // systemd's prefixes (-, @, :, +, !) may come before the absolute path.
  if (exec !== undefined && !/^[-@:+!|]*\//.test(exec.trim())) {
    return r.fail(v.at, v.path, `ExecStart must start with an absolute path, e.g. /usr/bin/sleep infinity; got "${exec}"`);
  }
  return exec;
}

function readUnitName(r: Reader, v: Value): string | undefined {
  const unit = r.nonEmptyString(v, 'a unit name such as ssh.service');
  if (unit !== undefined && !/^[A-Za-z0-9_.@:\\-]+$/.test(unit)) {
    return r.fail(v.at, v.path, `"${unit}" is not a unit name such as ssh.service`);
  }
  return unit;
}

function readServiceUser(r: Reader, v: Value): ServiceUser | undefined {
  const user = r.nonEmptyString(v, 'root, dynamic or a user name');
  if (user === undefined) return undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(user)) {
    return r.fail(v.at, v.path, `"${user}" is not a user name; expected root, dynamic or a user name`);
  }
  if (user === 'root' || user === 'dynamic') return { kind: user };
  return { kind: 'static', name: user };
}

/** [Service] settings, verbatim; YAML booleans become systemd's yes/no. `confined`: the service's name, when it is. */
function readServiceConfig(r: Reader, v: Value, confined: string | undefined): Record<string, string | string[]> | undefined {
  const entries = r.entries(v, '[Service] settings');
  if (!entries) return undefined;
  const config: Record<string, string | string[]> = {};
  for (const [key, value] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) {
      r.failAtKey(value, `"${key}" is not a systemd setting name such as PrivateTmp`);
      continue;
    }
    const setting = readServiceSetting(r, value);
    if (setting === undefined) continue;
    config[key] = setting;
    if (confined !== undefined) refuseBesideConfinement(r, confined, key, value, setting);
  }
  return config;
}

function readServiceSetting(r: Reader, v: Value): string | string[] | undefined {
  const what = 'a setting value (text, number, yes/no, or a list of them)';
  if (isSeq(v.node)) {
    const items = r.items(v, what);
    if (!items) return undefined;
    return items.map((item) => r.scalarText(item, what, ['yes', 'no']) ?? '');
  }
  return r.scalarText(v, what, ['yes', 'no']);
}

