/**
 * The raw engine's user-space instructions per request at steady state, counted by valgrind's
 * callgrind against nginx `return 200` (c=50): unlike req/s or CPU time on a shared machine, the
 * same build gives the same count within a few percent whatever else the machine runs.
 * Run by hand (needs valgrind and nginx; `npm run build` first):
 *   npx tsx bench/raw-instructions.ts [--dist dist] [--base <other build's dist>]
 *
 * One process per build: a warm-up bench() of 8,000 requests, then a bench() of 40,000 whose
 * requests ~12,000 to ~32,000 are counted (os.uptime() zeroes callgrind's counts, os.loadavg()
 * dumps them; progress ticks every 20 ms place the two calls): no set-up, first-5,000-record
 * sample or report in the window. V8 runs single-threaded with a fixed young generation (as in
 * tracer-instructions.ts); its optimizing compiler, which then runs on the counted thread, is left
 * out of the figure and shown apart. Under valgrind one second of timers covers ~50× fewer
 * requests than in a real run: per-turn and per-second work weighs more here than it does there.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startNginx } from './nginx-return-200.js';

const argOf = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
};
const builds: Array<[string, string]> = [['raw', resolve(argOf('dist') ?? 'dist')]];
const base = argOf('base');
if (base) builds.push(['base', resolve(base)]);

/** Runs inside valgrind: argv dist index URL, url. */
const CHILD = `
import os from 'node:os';
import { spawn } from 'node:child_process';
const [lib, url] = process.argv.slice(1);
const { bench } = await import(lib);
const opts = (n, onProgress) => ({ url, client: 'raw', concurrency: 50, connections: 50, requests: n, durationMs: 600000, warmupMs: 0, progressIntervalMs: 20, onProgress });
await bench(opts(8000));
// counting on (callgrind_control through vgdb), without valgrind's preload in the child's environment
const env = { ...process.env };
delete env.LD_PRELOAD;
const code = await new Promise((done) => spawn('callgrind_control', ['-i', 'on', String(process.pid)], { stdio: 'ignore', env }).on('exit', done));
if (code !== 0) console.error('CALLGRIND_CONTROL_FAILED');
let from = -1;
let to = -1;
await bench(opts(40000, (p) => {
  if (from < 0 && p.requests >= 12000) {
    from = p.requests;
    os.uptime();
  } else if (from >= 0 && to < 0 && p.requests >= 32000) {
    os.loadavg();
    to = p.requests;
  }
}));
console.error('WINDOW ' + (to - from));
`;

/** V8's compilers, on the counted thread under --single-threaded. */
const COMPILE = [/Runtime_CompileOptimized\(/, /Builtins_CompileLazy\b/];

function count(dist: string, url: string): Promise<{ perRequest: number; compile: number; requests: number }> {
  const lib = pathToFileURL(join(dist, 'index.js')).href;
  if (!existsSync(join(dist, 'index.js'))) throw new Error(`${dist}/index.js is missing: npm run build first`);
  const out = join(tmpdir(), `connscope-raw-callgrind-${process.pid}-${Math.random().toString(36).slice(2)}.out`);
  return new Promise((done, fail) => {
    const p = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--zero-before=node::os::GetUptime*', '--dump-before=node::os::GetLoadAvg*', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', '--predictable', '--no-memory-reducer', '--min-semi-space-size=16', '--max-semi-space-size=16', '--initial-old-space-size=512', '--input-type=module', '-e', CHILD, lib, url], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', fail);
    p.on('exit', () => {
      const window = `${out}.1`;
      try {
        const requests = Number(/^WINDOW (\d+)$/m.exec(err)?.[1]);
        const total = existsSync(window) ? Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(window, 'utf8'))?.[1]) : NaN;
        // valgrind echoes the command line, this script's text included: the markers are whole lines
        if (/^CALLGRIND_CONTROL_FAILED$/m.test(err) || !(requests > 0) || !(total > 0)) throw new Error(`no whole window counted (${window}: ${existsSync(window)}, total ${total}, requests ${requests}):\n${err.slice(-300)}`);
        const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', window], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
        let compile = 0;
        for (const line of text.split('\n')) {
          if (!COMPILE.some((c) => c.test(line))) continue;
          const n = /^\s*([\d,]+)/.exec(line);
          if (n) compile += Number(n[1]!.replaceAll(',', ''));
        }
        done({ perRequest: (total - compile) / requests, compile: compile / requests, requests });
      } catch (e) {
        fail(e as Error);
      } finally {
        if (!process.env.KEEP) {
          rmSync(out, { force: true });
          rmSync(window, { force: true });
        }
      }
    });
  });
}

const nginx = await startNginx();
try {
  for (const [name, dist] of builds) {
    const c = await count(dist, nginx.url);
    console.log(`${name.padEnd(4)} ${Math.round(c.perRequest)} instructions per request (+ ${Math.round(c.compile)} compiling), ${c.requests} requests counted (${dist})`);
  }
} finally {
  nginx.stop();
}
