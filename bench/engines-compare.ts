/**
 * connscope bench engines against autocannon and wrk, on one nginx answering `return 200`.
 * Run by hand:  npx tsx bench/engines-compare.ts [--duration 10] [--connections 50] [--memory 300]
 *
 * Everything runs one after the other in one process tree (2 cores shared by nginx, the load
 * generator and everything else), so compare ratios from the same run, not absolute numbers.
 * --memory N: afterwards, one N-second undici run with RSS sampled every second
 * in a fresh child process, from dist/ when built (`npm run build`; or --dist <dir>), undici by default
 * (--memory-raw: the raw engine). --memory-only skips the comparison runs.
 *
 * --wrk-rounds N: instead, the raw engine against `wrk -t1` alone, interleaved round by round (the
 * machine is shared: load drift hits both alike): `wrk -t1 -cC -dDs` and the compiled CLI
 * `connscope bench --client raw -c C -d Ds --json` in fresh processes, each under /usr/bin/time for
 * its CPU (start-up included). Prints each round, the median of the same-round ratios, CPU per
 * request of each process, and the load average before and after. Needs `npm run build`.
 * --prof <dir>: the CLI runs under `node --cpu-prof` into <dir>. --base <other build's cli/main.cjs (or cli/main.js)>
 * adds that build as a third column (A/B a change in one run).
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bench } from '../src/bench/run.js';
import type { ClientKind } from '../src/bench/options.js';
import { startNginx } from './nginx-return-200.js';
import { median } from './median.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const DURATION_S = arg('duration', 10);
const CONNECTIONS = arg('connections', 50);
const MEMORY_S = arg('memory', 0);
// --memory-only: the memory run alone, in a fresh process (earlier runs would raise the baseline)
const MEMORY_ONLY = args.includes('--memory-only');
const WRK_ROUNDS = arg('wrk-rounds', 0);
const sarg = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

function runChild(cmd: string, argv: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

interface Row {
  tool: string;
  reqPerSec: number;
  p50?: number;
  p99?: number;
  note?: string;
}

async function connscope(url: string, client: ClientKind): Promise<Row> {
  const r = await bench({ url, client, concurrency: CONNECTIONS, connections: CONNECTIONS, durationMs: DURATION_S * 1000, warmupMs: 1000 });
  return {
    tool: `connscope ${client}`,
    reqPerSec: r.stats.reqPerSec,
    p50: r.stats.latency?.p50,
    p99: r.stats.latency?.p99,
    note: `${r.stats.requests} req, ${r.stats.errors} errors, ${r.stats.connectionsOpened} conns, reuse ${(r.stats.reuseRate ?? 0).toFixed(4)}`,
  };
}

async function autocannon(url: string): Promise<Row> {
  const bin = join(here, 'node_modules/.bin/autocannon');
  if (!existsSync(bin)) return { tool: 'autocannon', reqPerSec: NaN, note: 'not installed (npm ci in bench/)' };
  const out = await runChild(bin, ['-c', String(CONNECTIONS), '-d', String(DURATION_S), '--json', url], (DURATION_S + 30) * 1000);
  const j = JSON.parse(out);
  return { tool: 'autocannon', reqPerSec: j.requests.total / j.duration, p50: j.latency.p50, p99: j.latency.p99, note: `${j.requests.total} req, ${j.errors} errors` };
}

async function wrk(url: string): Promise<Row> {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch {
    // wrk --version exits 1 but exists
  }
  const out = await runChild('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, '--latency', url], (DURATION_S + 30) * 1000);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const ms = (s: string | undefined): number | undefined => {
    if (!s) return undefined;
    const m = /([\d.]+)(us|ms|s)/.exec(s);
    if (!m) return undefined;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  return { tool: 'wrk -t1', reqPerSec: rps, p50: ms(/50%\s+(\S+)/.exec(out)?.[1]), p99: ms(/99%\s+(\S+)/.exec(out)?.[1]) };
}

/** Runs `bench()` for MEMORY_S seconds in a fresh child process, sampling its RSS every second. */
const MEMORY_CHILD = `
const [lib, url, client, connections, seconds] = process.argv.slice(1);
const { bench } = await import(lib);
const mb = (n) => (n / 1048576).toFixed(1);
const start = process.memoryUsage().rss;
let max = 0;
let last = 0;
let sum = 0;
let samples = 0;
let heapMax = 0;
let maxAt = 0;
const t0 = Date.now();
const timer = setInterval(() => {
  const m = process.memoryUsage();
  last = m.rss;
  sum += last;
  samples++;
  if (last > max) {
    max = last;
    maxAt = Math.round((Date.now() - t0) / 1000);
  }
  if (m.heapTotal > heapMax) heapMax = m.heapTotal;
  if (Math.round((Date.now() - t0) / 1000) % 30 === 0) console.log('  ' + Math.round((Date.now() - t0) / 1000) + ' s: RSS ' + mb(last) + ' MB');
}, 1000);
const r = await bench({ url, client, concurrency: Number(connections), connections: Number(connections), durationMs: Number(seconds) * 1000 });
clearInterval(timer);
console.log('memory: ' + client + ' engine, ' + seconds + ' s, ' + r.stats.requests + ' requests (' + r.stats.reqPerSec.toFixed(0) + ' req/s), ' + r.stats.errors + ' errors');
console.log('  RSS at start ' + mb(start) + ' MB, max ' + mb(max) + ' MB (at ' + maxAt + ' s), mean ' + mb(sum / Math.max(1, samples)) + ' MB, at end ' + mb(last) + ' MB (goal < 150 MB); heap total max ' + mb(heapMax) + ' MB');
`;

async function memoryRun(url: string): Promise<void> {
  // the compiled library when built (npm run build, or --dist <dir>): what users run, without the TypeScript loader
  const i = args.indexOf('--dist');
  const dist = join(i >= 0 ? args[i + 1]! : join(here, '..', 'dist'), 'index.js');
  const client = args.includes('--memory-raw') ? 'raw' : 'undici';
  const lib = existsSync(dist) ? pathToFileURL(dist).href : pathToFileURL(join(here, '..', 'src', 'index.ts')).href;
  const nodeArgs = existsSync(dist) ? [] : ['--import', 'tsx'];
  console.log(`\nmemory run in a fresh process (${existsSync(dist) ? dist : 'src via tsx: build first for the real figure'})`);
  const out = await runChild(process.execPath, [...nodeArgs, '--input-type=module', '-e', MEMORY_CHILD, lib, url, client, String(CONNECTIONS), String(MEMORY_S)], (MEMORY_S + 60) * 1000);
  process.stdout.write(out);
}

interface Round {
  reqPerSec: number;
  requests: number;
  errors: number;
  /** CPU (user + system) of the whole process per request, µs. */
  cpuUs: number;
  note?: string;
}

/** CPU seconds (user + system) from /usr/bin/time -f 'CPU %U %S' on stderr. */
function cpuOf(stderr: string): number {
  const t = /CPU ([\d.]+) ([\d.]+)/.exec(stderr);
  return t ? Number(t[1]) + Number(t[2]) : NaN;
}

function runTimed(argv: string[], timeoutMs: number): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'CPU %U %S', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ out, err });
    });
  });
}

async function wrkRound(url: string): Promise<Round> {
  const { out, err } = await runTimed(['wrk', '-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, url], (DURATION_S + 30) * 1000);
  const m = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(out);
  const requests = Number(m?.[1]);
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  return { reqPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), requests, errors, cpuUs: (cpuOf(err) * 1e6) / requests };
}

async function cliRound(url: string, cli: string, prof: string | undefined): Promise<Round> {
  const node = [process.execPath, ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), cli];
  const { out, err } = await runTimed([...node, 'bench', url, '--client', 'raw', '-c', String(CONNECTIONS), '-d', `${DURATION_S}s`, '--json'], (DURATION_S + 60) * 1000);
  let j: { stats: { reqPerSec: number; requests: number; errors: number; connectionsOpened: number; reuseRate: number | null; latency: { p50: number; p99: number } | null }; warmup?: { requests: number } };
  try {
    j = JSON.parse(out);
  } catch {
    throw new Error(`connscope bench printed no JSON: ${err.slice(0, 300)}`);
  }
  const s = j.stats;
  // the whole process's CPU over every request it made (a warm-up's included)
  const all = s.requests + (j.warmup?.requests ?? 0);
  return { reqPerSec: s.reqPerSec, requests: s.requests, errors: s.errors, cpuUs: (cpuOf(err) * 1e6) / all, note: `${s.connectionsOpened} conns, reuse ${(s.reuseRate ?? 0).toFixed(4)}, p50 ${s.latency?.p50.toFixed(2)} ms, p99 ${s.latency?.p99.toFixed(2)} ms` };
}

/** raw engine (compiled CLI) against wrk -t1, interleaved rounds, median same-round ratios. */
async function versusWrk(url: string): Promise<void> {
  const cli = join(here, '..', 'dist', 'cli', 'main.cjs');
  if (!existsSync(cli)) throw new Error('dist/cli/main.cjs is missing: npm run build first');
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing (Debian package time)');
  const base = sarg('base');
  const prof = sarg('prof');
  const load0 = loadavg();
  console.log(`raw engine (${cli}${base ? `; base ${base}` : ''}) against wrk -t1, ${WRK_ROUNDS} interleaved rounds, ${CONNECTIONS} connections, ${DURATION_S} s each`);
  console.log(`load average before: ${load0.map((x) => x.toFixed(2)).join(' ')}\n`);
  const tools: Record<string, () => Promise<Round>> = { wrk: () => wrkRound(url), raw: () => cliRound(url, cli, prof) };
  if (base) tools.base = () => cliRound(url, base, undefined);
  const results: Record<string, Round[]> = {};
  for (let r = 0; r < WRK_ROUNDS; r++) {
    for (const [name, fn] of Object.entries(tools)) {
      const res = await fn();
      (results[name] ??= []).push(res);
      console.log(`round ${r + 1} ${name.padEnd(4)} ${res.reqPerSec.toFixed(0).padStart(7)} req/s  ${res.requests} req, ${res.errors} errors, ${res.cpuUs.toFixed(2)} µs CPU/req${res.note ? `, ${res.note}` : ''}  (load ${loadavg()[0]!.toFixed(2)})`);
    }
  }
  const ratio = (a: string, b: string): string => median(results[a]!.map((x, i) => x.reqPerSec / results[b]![i]!.reqPerSec)).toFixed(2);
  const cpu = (a: string, b: string): string => median(results[a]!.map((x, i) => results[b]![i]!.cpuUs / x.cpuUs)).toFixed(2);
  console.log(`\nmedian req/s: ${Object.entries(results).map(([k, v]) => `${k} ${median(v.map((x) => x.reqPerSec)).toFixed(0)}`).join(', ')}`);
  console.log(`median CPU per request: ${Object.entries(results).map(([k, v]) => `${k} ${median(v.map((x) => x.cpuUs)).toFixed(2)} µs`).join(', ')}`);
  console.log(`median same-round ratios: raw/wrk ${ratio('raw', 'wrk')} (goal >= 0.85)${base ? `, base/wrk ${ratio('base', 'wrk')}, raw/base ${ratio('raw', 'base')}` : ''}`);
  console.log(`median same-round CPU efficiency (wrk's CPU per request / raw's): ${cpu('raw', 'wrk')}${base ? `, base ${cpu('base', 'wrk')}` : ''}`);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

const nginx = await startNginx();
if (WRK_ROUNDS > 0) {
  try {
    await versusWrk(nginx.url);
  } finally {
    nginx.stop();
  }
  process.exit(0);
}
try {
  console.log(`target ${nginx.url}: nginx, 1 worker, return 200; ${CONNECTIONS} connections, ${DURATION_S} s each, run one after the other\n`);
  const rows: Row[] = [];
  for (const step of MEMORY_ONLY ? [] :  [() => connscope(nginx.url, 'raw'), () => autocannon(nginx.url), () => wrk(nginx.url), () => connscope(nginx.url, 'undici'), () => connscope(nginx.url, 'http'), () => connscope(nginx.url, 'fetch')]) {
    const row = await step();
    rows.push(row);
    console.log(`${row.tool.padEnd(18)} ${row.reqPerSec.toFixed(0).padStart(8)} req/s  p50 ${row.p50?.toFixed(2) ?? '-'} ms  p99 ${row.p99?.toFixed(2) ?? '-'} ms  ${row.note ?? ''}`);
  }
  const get = (t: string): number => rows.find((r) => r.tool === t)?.reqPerSec ?? NaN;
  if (!MEMORY_ONLY) {
    console.log('\nratios (same run):');
    console.log(`  raw / autocannon     ${(get('connscope raw') / get('autocannon')).toFixed(2)}  (goal >= 1.2)`);
    console.log(`  raw / wrk            ${(get('connscope raw') / get('wrk -t1')).toFixed(2)}`);
    console.log(`  undici / autocannon  ${(get('connscope undici') / get('autocannon')).toFixed(2)}`);
  }
  if (MEMORY_S > 0) await memoryRun(nginx.url);
} finally {
  nginx.stop();
}
