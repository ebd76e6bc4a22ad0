// A live upgrade a step asks for: `apt-get install` of named packages from the candidate
// the image carries (images/debian/carry.sh: a local apt source), in the running guest,
// exactly as an admin would run it — dpkg's maintainer scripts and triggers included, so
// systemd's postinst re-executes PID 1 under the running services. Afterwards the guest's
// versions are read again by the same script the image build recorded them with.
import type { Upgraded } from '../checks/context.js';
import type { Guest } from '../guest/guest.js';
import { FaultError, unlessTheHosts, type Fault } from '../util/fault.js';
import { shellQuote } from '../util/quote.js';
import type { ImageInfo, PackageVersions } from '../vm/image.js';

const SOURCE = '/etc/apt/sources.list.d/harness-candidate.list';
/** The image's own script, asked for every package the image recorded (its extra ones too). */
const versionsCommand = (recorded: PackageVersions) => ['sh', '/usr/share/harness/package-versions.sh', '/', ...Object.keys(recorded)].map(shellQuote).join(' ');

/** The image cannot be upgraded as asked, nothing tried (the test side's); or the guest did
 *  not come back from the upgrade it was given (the guest's: exactly the regression to find). */
export class UpgradeError extends FaultError {
  override name = 'UpgradeError';
  constructor(message: string, fault: Fault, options?: ErrorOptions) {
    super(message, fault, options);
  }
}

/** The commands, apart for tests: apt reads only the candidate's source (the guest has no
 *  other network), and keeps the configuration files an admin has not been asked about. */
export function upgradeCommand(packages: string[]): string {
  const onlyCandidate = `-o Dir::Etc::sourcelist=${SOURCE} -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0`;
  return [
    'set -e',
    `apt-get update -q ${onlyCandidate}`,
    `DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ${packages.map(shellQuote).join(' ')}`,
  ].join('\n');
}

/** Whatever stops the guest answering during or after its upgrade (SSH dropped, a command
 *  that never came back) is the guest's, unless the host's (QEMU died: that error stands). */
function ofTheUpgrade<T>(work: Promise<T>): Promise<T> {
  return unlessTheHosts(work, (err) => new UpgradeError(`during the upgrade, ${(err as Error).message}`, 'guest', { cause: err }));
}

export async function upgradeGuest(guest: Guest, image: ImageInfo, before: PackageVersions, packages: string[], timeoutMs: number): Promise<Upgraded> {
  const candidate = image.carried;
  if (!candidate) {
    throw new UpgradeError(`image ${image.name} carries no candidate to upgrade to: give it a CARRY-SUITE in images/debian/images.list and rebuild`, 'harness');
  }
  const missing = packages.filter((pkg) => candidate.packages[pkg] === undefined);
  if (missing.length > 0) {
    throw new UpgradeError(`the candidate ${image.name} carries (${candidate.suite}) has no ${missing.join(', ')}; it carries: ${Object.keys(candidate.packages).join(', ')}`, 'harness');
  }
  const deadline = Date.now() + timeoutMs;
  const command = upgradeCommand(packages);
  const result = await ofTheUpgrade(guest.exec(command, { timeoutMs }));
  const left = () => Math.max(10_000, deadline - Date.now());
  const after = readVersions(await ofTheUpgrade(guest.succeed(versionsCommand(before), { timeoutMs: left() })));
  const installed = readInstalled(await ofTheUpgrade(guest.succeed(installedQuery(packages), { timeoutMs: left() })), packages);
  const output = [`$ ${command.split('\n').join('\n$ ')}`, result.stdout.trimEnd(), result.stderr.trimEnd()].filter(Boolean).join('\n');
  return { exitCode: result.exitCode, output, candidate: candidate.packages, before, after, installed };
}

/** Each named package's status and version, one line each; `|| true`: dpkg-query exits 1
 *  when one of them is not installed, which readInstalled reports as null. */
export function installedQuery(packages: string[]): string {
  return `dpkg-query -W -f='\${Package} \${db:Status-Abbrev} \${Version}\\n' ${packages.map(shellQuote).join(' ')} 2>/dev/null || true`;
}

export function readInstalled(text: string, packages: string[]): Record<string, string | null> {
  const installed: Record<string, string | null> = Object.fromEntries(packages.map((pkg) => [pkg, null]));
  for (const line of text.split('\n')) {
    const [pkg, status, version] = line.trim().split(/\s+/);
    if (pkg !== undefined && pkg in installed && status === 'ii' && version) installed[pkg] = version;
  }
  return installed;
}

/** package-versions.sh's JSON object; anything else means the guest is not as the image was built. */
export function readVersions(text: string): Record<string, string | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UpgradeError(`the guest's package versions could not be read: ${text.slice(0, 200)}`, 'guest');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UpgradeError(`the guest's package versions are not an object: ${text.slice(0, 200)}`, 'guest');
  return parsed as Record<string, string | null>;
}
