// HARNESS_TRACE=1: a timestamped line on stderr at each step of getting a guest (ms since
// the harness process started), to see where a start's seconds go. Off, it costs nothing.
const on = Boolean(process.env.HARNESS_TRACE);

export function trace(what: string): void {
  if (on) process.stderr.write(`[trace ${Math.round(performance.now())} ms] ${what}\n`);
}
