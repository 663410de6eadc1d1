/**
 * Run in a fresh process by shape.test.ts: imports one entry (or runs one command line in-process) and
 * prints which heavy packages that loaded and whether a global was patched. Packages are looked up in the
 * CommonJS module cache through the same resolution src/ uses (all of these are CommonJS).
 */
import { createRequire } from 'node:module';
import type { CliIO } from '../../src/cli/io.js';

const PACKAGES = ['undici', 'prom-client', 'cli-progress', 'cli-table3', 'reflect-metadata'] as const;
const req = createRequire(new URL('../../src/index.ts', import.meta.url));
const loaded = (): string[] => PACKAGES.filter((p) => req.cache[req.resolve(p)] !== undefined);
const patched = (): boolean => typeof (Reflect as { getMetadata?: unknown }).getMetadata === 'function';

const io: CliIO = { stdout: () => {}, stderr: () => {}, env: {}, isTTY: false, signal: new AbortController().signal };
const out: Record<string, unknown> = {};
const what = process.argv[2];
if (what === 'root') {
  const root = await import('../../src/index.js');
  out.exports = Object.keys(root).length;
} else if (what === 'report') {
  const report = await import('../../src/report/index.js');
  out.beforeMetrics = loaded();
  report.serverMetrics();
} else if (what === 'lab') {
  await import('../../src/lab/index.js');
} else if (what === 'cli-help' || what === 'cli-probe-help') {
  const { run } = await import('../../src/cli/program.js');
  out.exitCode = await run(what === 'cli-help' ? ['--help'] : ['probe', '--help'], io);
} else {
  throw new Error(`unknown case ${what}`);
}
out.loaded = loaded();
out.globalPatched = patched();
process.stdout.write(JSON.stringify(out));
