// Steps carry their place as "file:line:col" (file may itself hold colons); reports that
// point at the scenario file need the parts back.
import path from 'node:path';

export interface SourcePlace {
  file: string;
  line?: number;
  col?: number;
}

export function parseLocation(location: string): SourcePlace {
  const match = /^(.*):(\d+):(\d+)$/.exec(location);
  if (!match) return { file: location };
  return { file: match[1], line: Number(match[2]), col: Number(match[3]) };
}

/** `file` relative to `cwd` with forward slashes: what GitHub and GitLab link to the repository. */
export function relativeToCwd(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, path.resolve(cwd, file));
  return relative.split(path.sep).join('/');
}
