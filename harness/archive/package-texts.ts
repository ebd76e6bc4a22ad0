// systemd's changelog.Debian.gz and NEWS.gz: read from a folder, or fetched for an exact
// version from the archive an image was built from (its .deb, downloaded by a private apt
// and unpacked with dpkg-deb, nothing installed).
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { ArchiveError, openApt, type AptSource } from './apt.js';

export interface PackageTexts {
  changelog: string;
  news: string;
  /** Where they were read from, for messages. */
  dir: string;
}

const DOC = 'usr/share/doc/systemd';
const NAMES = { changelog: ['changelog.Debian.gz', 'changelog.Debian'], news: ['NEWS.gz', 'NEWS'] } as const;

/** The two texts in DIR (gzipped as the package ships them, or not); a missing one is named. */
export async function readPackageTexts(dir: string): Promise<PackageTexts> {
  const read = async (names: readonly string[]) => {
    for (const name of names) {
      const bytes = await readFile(path.join(dir, name)).catch(() => undefined);
      if (bytes) return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    }
    throw new ArchiveError(`${dir}: neither ${names.join(' nor ')} is there: give the folder holding the newer systemd's /usr/share/doc/systemd/changelog.Debian.gz and NEWS.gz`);
  };
  return { changelog: await read(NAMES.changelog), news: await read(NAMES.news), dir };
}

/** systemd VERSION's texts from SOURCE's archive into DEST (kept there: a report cites them). */
export async function fetchPackageTexts(source: AptSource, version: string, dest: string): Promise<PackageTexts> {
  await mkdir(dest, { recursive: true });
  const have = await access(path.join(dest, 'changelog.Debian.gz')).then(() => true, () => false);
  if (have) return readPackageTexts(dest);
  const apt = await openApt(source);
  try {
    try {
      await apt.run('apt-get', ['download', `systemd=${version}`], { cwd: apt.dir });
    } catch (err) {
      throw new ArchiveError(`systemd ${version} could not be downloaded from ${source.mirror} (${source.release}${source.systemdSuite ? `, ${source.systemdSuite}` : ''}): the archive may no longer have it; put its changelog.Debian.gz and NEWS.gz in ${dest}\n${(err as Error).message}`);
    }
    const deb = (await readdir(apt.dir)).find((name) => name.startsWith('systemd_') && name.endsWith('.deb'));
    if (!deb) throw new ArchiveError(`apt-get download systemd=${version} left no .deb in ${apt.dir}`);
    for (const name of ['changelog.Debian.gz', 'NEWS.gz']) {
      const file = await execa('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -xO "./${DOC}/$2"`, 'sh', path.join(apt.dir, deb), name], { reject: false, encoding: 'buffer' });
      if (file.exitCode !== 0) throw new ArchiveError(`${deb} has no /${DOC}/${name}: ${Buffer.from(file.stderr).toString().trim()}`);
      await writeFile(path.join(dest, name), file.stdout);
    }
    return readPackageTexts(dest);
  } finally {
    await apt.close();
  }
}
