#!/usr/bin/env node
import { exitQuietlyOnClosedOutput, processIO } from './io.js';
import { run } from './program.js';

exitQuietlyOnClosedOutput();

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // first Ctrl-C: stop the run and print the partial report; second: leave now
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort();
});

// no top-level await: the shipped CLI is this file bundled as CommonJS (scripts/bundle-cli.mjs, launch.ts)
void run(process.argv.slice(2), processIO(controller.signal)).then((code) => {
  process.exitCode = code;
});
