// A built guest image: the files under images/out/NAME/ and what image.json says of them.
import { access, constants, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export interface ImageInfo {
  name: string;
  dir: string;
  kernel: string;
  initrd: string;
  disk: string;
  privateKey: string;
  distro: string;
  release: string;
  systemdVersion: string;
  /**
   * Debian version of each package whose behaviour scenarios depend on (systemd, util-linux,
   * login, google-compute-engine-oslogin, …), null when not installed: what `when:` reads.
   */
  packages: PackageVersions;
  /** A candidate systemd the image carries as a local apt source, not installed (images.list's
   *  CARRY-SUITE): what an `upgrade:` step installs. */
  carried?: Carried;
  /** Built for a guest's `packages:`: the image it derives from and the packages it added. */
  derived?: { base: string; packages: string[] };
  /** Where each recorded package came from: a candidate's folder or the archive (absent
   *  from images built before origins were recorded). */
  packageOrigins: PackageOrigins;
  kernelCmdline: string;
  /** "SHA256:…" as ssh-keygen -l prints it: the guest's host key must match it. */
  hostKeyFingerprint: string;
  user: string;
  vm: { memory: number; cpus: number; threads: number; cpuModel: string };
}

/** The carried candidate: the suite it came from, and each package's version in it. */
export interface Carried {
  suite: string;
  packages: Readonly<Record<string, string>>;
}

/** Package → its installed Debian version, or null for "not installed". */
export type PackageVersions = Readonly<Record<string, string | null>>;

/** Package → "folder" (a candidate's .debs) or "archive", null for "not installed". */
export type PackageOrigins = Readonly<Record<string, 'folder' | 'archive' | null>>;

/** An image that is missing or unreadable: nothing is booted when one is. */
export class ImageError extends Error {
  override name = 'ImageError';
}

const REQUIRED_FILES = ['kernel', 'initrd', 'disk.qcow2', 'id_ed25519', 'image.json'] as const;

export async function loadImage(imagesDir: string, name: string): Promise<ImageInfo> {
  const dir = path.resolve(imagesDir, name);
  for (const file of REQUIRED_FILES) {
    try {
      await access(path.join(dir, file), constants.R_OK);
    } catch {
      throw new ImageError(`image ${name}: ${path.join(dir, file)} is missing (build it with \`make images\`)`);
    }
  }
  // The key logs in as root to every guest of this image: it must be no one else's to read.
  const keyMode = (await stat(path.join(dir, 'id_ed25519'))).mode & 0o777;
  if (keyMode & 0o077) {
    throw new ImageError(`image ${name}: ${path.join(dir, 'id_ed25519')} is readable by others (mode 0${keyMode.toString(8)}); chmod 600 it`);
  }
  const jsonPath = path.join(dir, 'image.json');
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (err) {
    throw new ImageError(`image ${name}: ${jsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  const text = (key: string): string => {
    const value = meta[key];
    if (typeof value !== 'string' || value === '') throw new ImageError(`image ${name}: ${jsonPath} lacks "${key}"`);
    return value;
  };
  const vm = (meta.vm ?? {}) as Record<string, unknown>;
  const carried = readCarried(meta.carried, name, jsonPath);
  const added = typeof meta.addedPackages === 'string' && meta.addedPackages ? meta.addedPackages.split(',') : [];
  return {
    ...(carried && { carried }),
    ...(added.length && typeof meta.base === 'string' && meta.base ? { derived: { base: meta.base, packages: added } } : {}),
    name,
    dir,
    kernel: path.join(dir, 'kernel'),
    initrd: path.join(dir, 'initrd'),
    disk: path.join(dir, 'disk.qcow2'),
    privateKey: path.join(dir, 'id_ed25519'),
    distro: text('distro'),
    release: text('release'),
    systemdVersion: text('systemdVersion'),
    packages: readPackages(meta, name, jsonPath),
    packageOrigins: readOrigins(meta, name, jsonPath),
    kernelCmdline: text('kernelCmdline'),
    hostKeyFingerprint: text('hostKeyFingerprint'),
    user: typeof meta.user === 'string' ? meta.user : 'root',
    vm: {
      memory: Number(vm.memory ?? 1024),
      cpus: Number(vm.cpus ?? 2),
      threads: Number(vm.threads ?? 1),
      cpuModel: String(vm.cpuModel ?? 'max'),
    },
  };
}

function readCarried(raw: unknown, name: string, jsonPath: string): Carried | undefined {
  if (raw === undefined || raw === null) return undefined;
  const { suite, packages } = raw as Record<string, unknown>;
  const versions = Object.entries(typeof packages === 'object' && packages !== null ? packages : {});
  if (typeof suite !== 'string' || versions.length === 0 || versions.some(([, v]) => typeof v !== 'string' || v === '')) {
    throw new ImageError(`image ${name}: ${jsonPath}: "carried" must be null or { "suite": …, "packages": { name: version, … } }`);
  }
  return { suite, packages: Object.fromEntries(versions) as Record<string, string> };
}

/**
 * image.json's `packages`. An image built before they were recorded still says which
 * systemd it has (systemdPackageVersion, else the major version alone).
 */
function readPackages(meta: Record<string, unknown>, name: string, jsonPath: string): PackageVersions {
  const raw = meta.packages ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ImageError(`image ${name}: ${jsonPath}: "packages" must map package names to versions`);
  }
  const packages: Record<string, string | null> = {};
  for (const [pkg, version] of Object.entries(raw)) {
    if (version !== null && (typeof version !== 'string' || version === '')) {
      throw new ImageError(`image ${name}: ${jsonPath}: packages["${pkg}"] must be a version or null (not installed), got ${JSON.stringify(version)}`);
    }
    packages[pkg] = version;
  }
  if (packages.systemd === undefined) {
    const fallback = meta.systemdPackageVersion ?? meta.systemdVersion;
    if (typeof fallback === 'string' && fallback !== '') packages.systemd = fallback;
  }
  return packages;
}

function readOrigins(meta: Record<string, unknown>, name: string, jsonPath: string): PackageOrigins {
  const raw = meta.packageOrigins ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ImageError(`image ${name}: ${jsonPath}: "packageOrigins" must map package names to "folder", "archive" or null`);
  }
  for (const [pkg, origin] of Object.entries(raw)) {
    if (origin !== null && origin !== 'folder' && origin !== 'archive') {
      throw new ImageError(`image ${name}: ${jsonPath}: packageOrigins["${pkg}"] must be "folder", "archive" or null, got ${JSON.stringify(origin)}`);
    }
  }
  return raw as PackageOrigins;
}

/**
 * A testsuite's record of the image's packages: package.NAME is the version (or "not
 * installed"), and package.NAME.origin where it came from, so a compare of base against
 * candidate shows which packages the folder replaced.
 */
export function packageProperties(image: Pick<ImageInfo, 'packages' | 'packageOrigins'>): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [pkg, version] of Object.entries(image.packages)) {
    properties[`package.${pkg}`] = version ?? 'not installed';
    const origin = image.packageOrigins[pkg];
    if (version !== null && origin) properties[`package.${pkg}.origin`] = origin;
  }
  return properties;
}

/** The images that exist under imagesDir (folders holding an image.json). */
/** Whether NAME is built in the folder: its image.json is written last, when all else is there. */
export async function isBuilt(imagesDir: string, name: string): Promise<boolean> {
  return access(path.join(imagesDir, name, 'image.json')).then(
    () => true,
    () => false,
  );
}

/** Images a run needs that nobody built: nothing boots, and the words say how to build each. */
export class ImageNotBuiltError extends ImageError {
  override name = 'ImageNotBuiltError';
  constructor(readonly images: string[]) {
    super(images.map((name) => `image ${name} is not built: build it with \`images/build-if-needed.sh ${name}\` (or \`make images\`)`).join('\n'));
  }
}

export async function listImages(imagesDir: string): Promise<string[]> {
  try {
    const entries = await readdir(imagesDir, { withFileTypes: true });
    const names: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      // a half-built image (e.g. NAME.tmp) is not an image
      if (await isBuilt(imagesDir, entry.name)) names.push(entry.name);
    }
    return names.sort();
  } catch {
    return [];
  }
}
