// One package at one exact version, downloaded from the suites an image was built from (its
// release, and the suite its systemd is pinned to), as scripts/fetch-debs.sh does it: apt
// with lists, cache and sources of its own in a temp folder, the host's apt untouched.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface Suites {
  /** RELEASE, SYSTEMD_SUITE (may be empty) and APT_OPTIONS (KEY=VALUE,…) of an images.list row. */
  release: string;
  systemdSuite: string;
  aptOptions: string;
}

export class FetchError extends Error {
  override name = 'FetchError';
}

const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** Downloads PACKAGE=VERSION into `folder`; resolves to the .deb's path. */
export async function fetchDeb(pkg: string, version: string, suites: Suites, folder: string): Promise<string> {
  const mirror = process.env.MIRROR ?? 'http://deb.debian.org/debian';
  const names = [suites.release, suites.systemdSuite].filter(Boolean);
  const state = await mkdtemp(path.join(os.tmpdir(), 'harness-apt-'));
  try {
    await mkdir(path.join(state, 'lists/partial'), { recursive: true });
    await mkdir(path.join(state, 'cache/archives/partial'), { recursive: true });
    await writeFile(path.join(state, 'sources.list'), names.map((suite) => `deb [signed-by=${KEYRING}] ${mirror} ${suite} main\n`).join(''));
    const options = [
      `Dir::Etc::SourceList=${state}/sources.list`, 'Dir::Etc::SourceParts=/dev/null', `Dir::State::Lists=${state}/lists`,
      `Dir::Cache=${state}/cache`, 'Dir::State::status=/dev/null', 'Dir::Etc::Preferences=/dev/null', 'Dir::Etc::PreferencesParts=/dev/null',
      'APT::Sandbox::User=root', ...suites.aptOptions.split(',').filter(Boolean),
    ].flatMap((o) => ['-o', o]);
    const apt = (args: string[], cwd?: string) => execa('apt-get', ['-q', ...options, ...args], { all: true, reject: false, ...(cwd ? { cwd } : {}) });
    const update = await apt(['update']);
    if (update.exitCode !== 0) throw new FetchError(`apt-get update of ${names.join(', ')} from ${mirror} failed:\n${lastWords(update.all)}`);
    await mkdir(folder, { recursive: true });
    const download = await apt(['download', `${pkg}=${version}`], folder);
    if (download.exitCode !== 0) {
      const gone = /Version '.*' for '.*' was not found|Unable to locate package/.test(download.all ?? '');
      throw new FetchError(
        gone
          ? `${names.join(' and ')} no longer offer ${pkg} ${version}, the version the base image recorded (${lastWords(download.all)}): rebuild the base image from the archive as it is now`
          : `apt-get download ${pkg}=${version} failed:\n${lastWords(download.all)}`,
      );
    }
    const debs = (await readdir(folder)).filter((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (debs.length !== 1) throw new FetchError(`apt-get download ${pkg}=${version} left ${debs.length} .deb files in ${folder}, not one`);
    return path.join(folder, debs[0]);
  } finally {
    await rm(state, { recursive: true, force: true });
  }
}

function lastWords(output = ''): string {
  const lines = output.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const errors = lines.filter((l) => /^E: /.test(l));
  return (errors.length ? errors : lines.slice(-5)).join('\n');
}
