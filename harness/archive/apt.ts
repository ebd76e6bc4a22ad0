// apt with state of its own: a temp folder holding its sources, preferences, lists and
// cache, so asking the archive what it has now neither reads nor touches the host's apt.
// The sources, the systemd pin and the apt options are the ones images/debian/build.sh
// gives mmdebstrap, so apt's candidate here is what a build would install.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** Where an image's packages come from, as build.sh sets it up. */
export interface AptSource {
  /** e.g. http://deb.debian.org/debian (build.sh's MIRROR). */
  mirror: string;
  release: string;
  /** A suite systemd and every binary package of its source are pinned to (images.list's SYSTEMD-SUITE). */
  systemdSuite?: string;
  /** KEY=VALUE apt settings (images.list's APT-OPTIONS), e.g. Acquire::Check-Valid-Until=false. */
  options: string[];
}

/** The archive could not be asked: no network, a wrong mirror, apt's own error. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const UPDATE_TIMEOUT_MS = 180_000;

/** A private apt: `run(args)` runs apt-get or apt-cache with this state; `close()` removes it. */
export interface PrivateApt {
  dir: string;
  run(program: 'apt-get' | 'apt-cache', args: string[], options?: { cwd?: string }): Promise<string>;
  close(): Promise<void>;
}

export function sourcesList(source: AptSource): string {
  const suites = [source.release, ...(source.systemdSuite && source.systemdSuite !== source.release ? [source.systemdSuite] : [])];
  return suites.map((suite) => `deb [signed-by=${KEYRING}] ${source.mirror} ${suite} main\n`).join('');
}

/** build.sh's pin: every binary package of systemd's source from SYSTEMD_SUITE. */
export function preferences(source: AptSource): string {
  return source.systemdSuite ? `Package: src:systemd\nPin: release n=${source.systemdSuite}\nPin-Priority: 990\n` : '';
}

/** Options as apt's -o flags; a setting that is not KEY=VALUE is an error naming it. */
export function optionFlags(options: string[]): string[] {
  return options.flatMap((setting) => {
    const eq = setting.indexOf('=');
    if (eq <= 0) throw new ArchiveError(`apt option "${setting}" is not KEY=VALUE (e.g. Acquire::Check-Valid-Until=false)`);
    return ['-o', setting];
  });
}

/** A private apt for SOURCE with its lists updated: throws ArchiveError when the archive cannot be read. */
export async function openApt(source: AptSource): Promise<PrivateApt> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-apt-'));
  const close = () => rm(dir, { recursive: true, force: true });
  try {
    for (const sub of ['etc/preferences.d', 'lists/partial', 'cache/archives/partial']) await mkdir(path.join(dir, sub), { recursive: true });
    await writeFile(path.join(dir, 'etc/sources.list'), sourcesList(source));
    await writeFile(path.join(dir, 'etc/preferences'), preferences(source));
    await writeFile(path.join(dir, 'status'), '');
    const flags = [
      ...['Dir::Etc::SourceList=etc/sources.list', 'Dir::Etc::SourceParts=/dev/null', 'Dir::Etc::Preferences=etc/preferences', 'Dir::Etc::PreferencesParts=etc/preferences.d']
        .map((setting) => setting.replace('=etc/', `=${dir}/etc/`)),
      `Dir::State=${dir}`, `Dir::State::Lists=${dir}/lists`, `Dir::State::status=${dir}/status`, `Dir::Cache=${dir}/cache`,
      // the host's apt.conf.d may carry a proxy or other settings the image builds do not see
      'Dir::Etc::Parts=/dev/null', 'APT::Sandbox::User=root', 'Acquire::Retries=0', 'Acquire::http::Timeout=20', 'Acquire::Languages=none',
      'APT::Architecture=amd64',
    ].flatMap((setting) => ['-o', setting]);
    const aptFlags = [...flags, ...optionFlags(source.options)];
    const run: PrivateApt['run'] = async (program, args, options = {}) => {
      const result = await execa(program, [...aptFlags, ...args], { reject: false, timeout: UPDATE_TIMEOUT_MS, cwd: options.cwd, env: { LC_ALL: 'C' } });
      if (result.exitCode !== 0 || result.timedOut) {
        const said = `${result.stderr}\n${result.stdout}`.split('\n').filter((line) => /^(E|W|Err):|^Err:\d/.test(line.trim())).join('\n');
        const why = result.timedOut ? `no answer in ${UPDATE_TIMEOUT_MS / 1000} s` : said || result.stderr.trim() || `exit ${result.exitCode}`;
        throw new ArchiveError(`${program} ${args.join(' ')} against ${source.mirror} failed:\n${why}`);
      }
      return result.stdout;
    };
    try {
      await run('apt-get', ['update', '--error-on=any']);
    } catch (err) {
      if (!(err instanceof ArchiveError)) throw err;
      throw new ArchiveError(`cannot read Debian's archive at ${source.mirror} (suites ${sourcesList(source).trim().split('\n').map((l) => l.split(' ').at(-2)).join(', ')}): is the network to it up, and the mirror right (--mirror, or MIRROR as build.sh reads it)?\n${err.message}`);
    }
    return { dir, run, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** apt-cache policy's answer: package → candidate version, null where apt has none (unknown or no installable version). */
export function parsePolicy(text: string, packages: string[]): Map<string, string | null> {
  const candidates = new Map<string, string | null>(packages.map((name) => [name, null]));
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      current = head[1].replace(/:amd64$/, '');
      continue;
    }
    const candidate = /^\s+Candidate:\s+(\S+)/.exec(line);
    if (candidate && current !== undefined && candidates.has(current)) candidates.set(current, candidate[1] === '(none)' ? null : candidate[1]);
  }
  return candidates;
}

/** The version apt would install of each package now. */
export async function candidateVersions(apt: PrivateApt, packages: string[]): Promise<Map<string, string | null>> {
  if (packages.length === 0) return new Map();
  return parsePolicy(await apt.run('apt-cache', ['policy', ...packages]), packages);
}
