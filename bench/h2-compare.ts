/**
 * `bench --client h2` (connscope's own HTTP/2 framing engine) against h2load and a bare node:http2 loop, on one
 * nginx over TLS (`listen ... ssl http2`,
 * `return 200 "ok"`, certificate made here). Same shape for all three: 10 connections, 5 streams
 * each (h2load -c 10 -m 5; bench --connections 10 -c 50), 20,000 requests.
 * Run by hand:  npx tsx bench/h2-compare.ts [--rounds 3] [--requests 20000] [--prof <dir>] [--base <lib>]
 *
 * Each tool runs in a fresh process, interleaved round by round (the machine is shared: load drift
 * hits all alike); the ratios are medians of the same-round ratios. The load average is printed
 * before and after. Each Node child first runs 1,000 requests unmeasured (module loading is then not in
 * its CPU per request; the JIT's warm-up mostly is: V8 optimises the hot path after more calls than 1,000
 * requests make, bench/README.md); CPU per request is user + system time of the measured run
 * (h2load's: its whole process, from /usr/bin/time). --prof <dir>: the bench child runs under `node --cpu-prof` into <dir>.
 * The bench runs from dist/ when built (`npm run build`: what users run, without the TypeScript
 * loader's per-closure helpers), else from src/ via tsx. --base <path to another build's index.js>
 * adds a `base` column (e.g. the previous commit's build) to A/B a change in one run.
 * The child modes (`--child bench|bare <url> <caFile> <requests> [lib]`) are this file run again.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { freePort, waitForPort } from './ports.js';
import { median } from './median.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const CONNECTIONS = 10;
const STREAMS = 5;
/** Requests each Node child runs before the measured run (h2load needs none: nothing to load or compile). */
const WARMUP = 1000;

interface Result {
  reqPerSec: number;
  requests: number;
  errors: number;
  /** Client CPU (user + system) per request, µs: steadier than req/s on a loaded machine. */
  cpuUs?: number;
  note?: string;
}

/** Bare node:http2: CONNECTIONS sessions, STREAMS closed loops on each, nothing recorded but a count. */
async function bare(url: string, ca: string, total: number): Promise<Result> {
  const sessions = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => new Promise<http2.ClientHttp2Session>((resolve, reject) => {
      const s = http2.connect(url, { ca });
      s.once('remoteSettings', () => resolve(s));
      s.once('error', reject);
    })),
  );
  const headers = { ':path': '/', ':method': 'GET', ':authority': new URL(url).host };
  const runLoop = (n: number): Promise<{ done: number; errors: number }> => {
    let issued = 0;
    let done = 0;
    let errors = 0;
    return new Promise((resolve) => {
      const loop = (s: http2.ClientHttp2Session): void => {
        if (issued >= n) return;
        issued++;
        const st = s.request(headers, { endStream: true });
        st.on('data', () => undefined);
        st.once('error', () => errors++);
        st.once('close', () => {
          if (++done === n) resolve({ done, errors });
          else loop(s);
        });
      };
      for (const s of sessions) for (let i = 0; i < STREAMS; i++) loop(s);
    });
  };
  // the same warm-up as the bench child (JIT, nothing loaded mid-run)
  await runLoop(WARMUP);
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const { done, errors } = await runLoop(total);
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  for (const s of sessions) s.destroy();
  return { reqPerSec: (done * 1000) / ms, requests: done, errors, cpuUs: (cpu.user + cpu.system) / done };
}

async function viaBench(url: string, ca: string, total: number, lib: string | undefined): Promise<Result> {
  const { bench } = (lib ? await import(pathToFileURL(lib).href) : await import('../src/bench/run.js')) as typeof import('../src/bench/run.js');
  const options = { url, client: 'h2' as const, connections: CONNECTIONS, concurrency: CONNECTIONS * STREAMS, durationMs: 120_000, warmupMs: 0, ca };
  // a short run first: the modules bench loads on first use (engines, report, diagnose) are not counted as CPU per request
  await bench({ ...options, requests: WARMUP });
  const cpu0 = process.cpuUsage();
  const r = await bench({ ...options, requests: total });
  const cpu = process.cpuUsage(cpu0);
  return { reqPerSec: r.stats.reqPerSec, requests: r.stats.requests, errors: r.stats.errors, cpuUs: (cpu.user + cpu.system) / r.stats.requests, note: `${r.stats.connectionsOpened} conns, p50 ${r.stats.latency?.p50?.toFixed(2)} ms` };
}

if (args[0] === '--child') {
  const [, mode, url, caFile, n, lib] = args;
  const ca = readFileSync(caFile!, 'utf8');
  const r = mode === 'bare' ? await bare(url!, ca, Number(n)) : await viaBench(url!, ca, Number(n), lib);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

function run(cmd: string, argv: string[], timeoutMs: number): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 500)}`));
      else resolve({ out, err });
    });
  });
}

const rounds = Number(arg('rounds') ?? 3);
const total = Number(arg('requests') ?? 20000);
const prof = arg('prof');
const self = fileURLToPath(import.meta.url);
const dist = join(dirname(self), '..', 'dist', 'index.js');
const base = arg('base');
const benchChild = async (lib: string | undefined): Promise<Result> => {
  const node = [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), '--import', 'tsx', self, '--child', 'bench', url, join(dir, 'ca.pem'), String(total), ...(lib ? [lib] : [])];
  return JSON.parse((await run(process.execPath, node, 180_000)).out) as Result;
};
const { makeCertChain } = await import('../src/lab/certs.js');
const chain = await makeCertChain();
const dir = mkdtempSync(join(tmpdir(), 'connscope-h2cmp-'));
mkdirSync(join(dir, 'logs'));
writeFileSync(join(dir, 'chain.pem'), chain.chainPem);
writeFileSync(join(dir, 'key.pem'), chain.keyPem);
writeFileSync(join(dir, 'ca.pem'), chain.caPem);
const port = await freePort();
const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${join(dir, k)};`).join('\n');
writeFileSync(join(dir, 'nginx.conf'), `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs/error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  ${temp}
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${join(dir, 'chain.pem')};
    ssl_certificate_key ${join(dir, 'key.pem')};
    location / { return 200 "ok"; }
  }
}
`);
const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
const url = `https://127.0.0.1:${port}/`;
const h2loadOk = spawnSync('h2load', ['--version']).status === 0;
const hasTime = existsSync('/usr/bin/time');
try {
  await waitForPort(port, 5000);
  const load0 = loadavg();
  console.log(`bench from ${existsSync(dist) ? dist : 'src/ via tsx'}${base ? `, base from ${base}` : ''}`);
  console.log(`nginx 1 worker, TLS + http2, return 200 "ok" at ${url}; ${CONNECTIONS} connections x ${STREAMS} streams, ${total} requests, ${rounds} rounds`);
  console.log(`load average before: ${load0.map((x) => x.toFixed(2)).join(' ')}\n`);
  const tools: Record<string, () => Promise<Result>> = {
    h2load: async () => {
      // its CPU from /usr/bin/time when present (the whole process, start-up included)
      const h2 = ['h2load', '-c', String(CONNECTIONS), '-m', String(STREAMS), '-n', String(total), url];
      const { out, err } = hasTime ? await run('/usr/bin/time', ['-f', 'CPU %U %S', ...h2], 120_000) : await run(h2[0]!, h2.slice(1), 120_000);
      const t = /CPU ([\d.]+) ([\d.]+)/.exec(err);
      const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1]);
      const m = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
      const requests = Number(m?.[1]);
      return { reqPerSec: rps, requests, errors: Number(m?.[3]) + Number(m?.[4]), cpuUs: t ? ((Number(t[1]) + Number(t[2])) * 1e6) / requests : undefined };
    },
    bench: () => benchChild(existsSync(dist) ? dist : undefined),
    ...(base ? { base: () => benchChild(base) } : {}),
    bare: async () => JSON.parse((await run(process.execPath, ['--import', 'tsx', self, '--child', 'bare', url, join(dir, 'ca.pem'), String(total)], 180_000)).out) as Result,
  };
  if (!h2loadOk) delete (tools as Partial<typeof tools>).h2load;
  const results: Record<string, Result[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(tools)) {
      const res = await fn();
      (results[name] ??= []).push(res);
      console.log(`round ${r + 1} ${name.padEnd(7)} ${res.reqPerSec.toFixed(0).padStart(7)} req/s  ${res.requests} req, ${res.errors} errors${res.cpuUs !== undefined ? `, ${res.cpuUs.toFixed(1)} µs CPU/req` : ''}${res.note ? `, ${res.note}` : ''}`);
    }
  }
  const ratio = (a: string, b: string): string => {
    if (!results[a] || !results[b]) return 'n/a';
    return median(results[a]!.map((x, i) => x.reqPerSec / results[b]![i]!.reqPerSec)).toFixed(2);
  };
  console.log(`\nmedian req/s: ${Object.entries(results).map(([k, v]) => `${k} ${median(v.map((x) => x.reqPerSec)).toFixed(0)}`).join(', ')}`);
  console.log(`median same-round ratios: bench/h2load ${ratio('bench', 'h2load')} (goal >= 0.5), bench/bare ${ratio('bench', 'bare')} (goal >= 3), bare/h2load ${ratio('bare', 'h2load')}${base ? `, base/h2load ${ratio('base', 'h2load')}, bench/base ${ratio('bench', 'base')}` : ''}`);
  const cpuRatio = (a: string, b: string): string => {
    const xs = results[a]?.map((x, i) => (results[b]![i]!.cpuUs ?? NaN) / (x.cpuUs ?? NaN)).filter((x) => Number.isFinite(x));
    return xs && xs.length > 0 ? median(xs).toFixed(2) : 'n/a';
  };
  console.log(`median same-round CPU-efficiency ratios (other's CPU per request / this one's): bench vs h2load ${cpuRatio('bench', 'h2load')}, bench vs bare ${cpuRatio('bench', 'bare')}, bare vs h2load ${cpuRatio('bare', 'h2load')}${base ? `, base vs h2load ${cpuRatio('base', 'h2load')}, bench vs base ${cpuRatio('bench', 'base')}` : ''}`);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  nginx.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
