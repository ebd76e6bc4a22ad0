#!/usr/bin/env node
import { main } from '../dist/harness/cli.js';
import { tolerateClosedPipe } from '../dist/harness/closed-pipe.js';

// `harness list | head`: a reader that stops early ends the output, not the command.
tolerateClosedPipe(process.stdout);
tolerateClosedPipe(process.stderr);

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is released by now; should a stray handle remain, it must not keep CI waiting.
setTimeout(() => process.exit(code), 2000).unref();
