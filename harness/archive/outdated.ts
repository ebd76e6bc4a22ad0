// Which of an image's recorded packages the archive has moved: the recorded versions against
// apt's candidates now. Pure; apt.ts asks the archive.
import { compareDebianVersions } from '../versions/debian.js';

export interface Moved {
  name: string;
  /** What image.json records. */
  recorded: string;
  /** What apt would install now; null: the archive has no installable version any more. */
  candidate: string | null;
}

/** Packages to ask about: systemd first, then image.json's order; only what came from the
 *  archive and is installed (a candidate's folder packages are no archive's to move). */
export function packagesToAsk(packages: Record<string, string | null>, origins: Record<string, string | null>): string[] {
  const names = Object.keys(packages).filter((name) => packages[name] !== null && (origins[name] ?? 'archive') === 'archive');
  return [...names.filter((n) => n === 'systemd'), ...names.filter((n) => n !== 'systemd')];
}

/** Each asked package whose candidate differs from the recorded version, in the asked order. */
export function movedPackages(packages: Record<string, string | null>, asked: string[], candidates: Map<string, string | null>): Moved[] {
  const moved: Moved[] = [];
  for (const name of asked) {
    const recorded = packages[name];
    if (recorded === null || recorded === undefined) continue;
    const candidate = candidates.get(name) ?? null;
    if (candidate !== null && compareDebianVersions(candidate, recorded) === 0) continue;
    moved.push({ name, recorded, candidate });
  }
  return moved;
}

/** "debian-forky: systemd 262-1 → 262.2-1, util-linux 2.42.4-1 → 2.42.5-1". */
export function describeMoved(image: string, moved: Moved[]): string {
  if (moved.length === 0) return `${image}: nothing moved`;
  return `${image}: ${moved.map((m) => `${m.name} ${m.recorded} → ${m.candidate ?? '(none in the archive)'}`).join(', ')}`;
}
