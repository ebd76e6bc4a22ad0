// The harness's one shell quoting, for every shell it writes to: the guest's (commands,
// batches, unit paths), the one QEMU runs `exec:` migrations with, and a person's (the ssh
// command printed for a kept guest). test/unit/quote.test.ts sends words through `bash -c`
// and back.

/** Quotes one word for a POSIX shell: left bare when every character is safe, else in
 *  single quotes (a single quote inside becomes '\''). Bytes beyond ASCII are quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_\-./=:,@%+]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from argv. The first word is quoted also when it has an `=`, which
 *  bare would make it a variable assignment instead of the command. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map((word, i) => (i === 0 && word.includes('=') ? `'${word.replace(/'/g, `'\\''`)}'` : shellQuote(word))).join(' ');
}
