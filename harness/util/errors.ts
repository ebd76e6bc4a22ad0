// How an error reads in a report or a notice: its name when it has a telling one, then its message.

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

/** The first line of describeError: for one-line notices and skip reasons. */
export function firstLine(err: unknown): string {
  return describeError(err).split('\n')[0];
}
