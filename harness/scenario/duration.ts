// Durations in scenario files: "250ms", "30s", "10m", "1h", or a sum such as "1m30s".

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
const EXAMPLES = '"250ms", "30s", "10m" or "1h"';

/** Milliseconds in `text`. Throws an Error saying what is wrong and how to write it. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error(`empty duration; write e.g. ${EXAMPLES}`);
  // A bare number is refused rather than read as seconds: "30" next to "30ms" is too easy to misread.
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    throw new Error(`duration "${text}" has no unit; write e.g. "${trimmed}s" (units: ms, s, m, h)`);
  }
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < trimmed.length) {
    const start = PART.lastIndex;
    const part = PART.exec(trimmed);
    if (!part) {
      const rest = trimmed.slice(start);
      throw new Error(`invalid duration "${text}" (cannot read "${rest}"); write e.g. ${EXAMPLES}`);
    }
    total += Number(part[1]) * UNIT_MS[part[2]];
  }
  return Math.round(total);
}

/** The shortest text parseDuration reads back as `ms` (for messages and listings). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
