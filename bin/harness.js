#!/usr/bin/env node
import { main } from '../dist/harness/cli.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is released by now; should a stray handle remain, it must not keep CI waiting.
setTimeout(() => process.exit(code), 2000).unref();
