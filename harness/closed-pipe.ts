// `harness list | head` closes the pipe after a few lines. Node reports that as an EPIPE
// 'error' event on stdout, which nobody handles, so the process used to die with a stack
// trace. Like other CLIs we end quietly instead: once the reader is gone, further output
// to that stream is dropped and the command finishes with its own status (a `run` still
// writes its JUnit report and stops its VMs; it is not cut off mid-way).
import type { Writable } from 'node:stream';

/** Makes `stream` swallow writes once its reader has gone away; other errors still surface. */
export function tolerateClosedPipe(stream: Writable): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    // The stream is destroyed now; a later write would raise again.
    stream.write = (() => true) as Writable['write'];
  });
}
