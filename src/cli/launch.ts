#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { compileCache } from './compile-cache.js';

/**
 * The shipped `connscope` executable (scripts/bundle-cli.mjs bundles this file into dist/cli/main.cjs, as CommonJS): it
 * compiles the bundled CLI, dist/cli/bundle/cli.cjs (main.ts and everything it loads, one CommonJS file),
 * with V8's code cache from an earlier run when there is one (compile-cache.ts), and runs it as Node's
 * CommonJS loader would. Node 20 offers no code cache for ES modules, and loading and compiling the CLI's functions was
 * about 6 % of a `connscope pcap` run's main-thread instructions on a 130 MiB capture (docs/pcap.md, "Speed").
 * The bundle's content hash is set at build time; without it (this file run unbundled) nothing is cached.
 */
declare const CONNSCOPE_BUNDLE_ID: string | undefined;

const bundle = join(dirname(fileURLToPath(import.meta.url)), 'bundle', 'cli.cjs');
const cache = compileCache(typeof CONNSCOPE_BUNDLE_ID === 'string' ? CONNSCOPE_BUNDLE_ID : undefined, process.argv.slice(2), process.env);
// the wrapper Node's CommonJS loader puts around a module (Module.wrap); the bundle is ASCII (bundle-cli.mjs)
const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(bundle, 'latin1')}\n});`;
const script = new Script(source, { filename: bundle, cachedData: cache.data });
cache.saveAfterRun(script);
const module = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
