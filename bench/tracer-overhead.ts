// Throughput of 50 concurrent keep-alive requests with the connscope tracer off vs on, and with
// OpenTelemetry's http + undici instrumentations for comparison. Run by hand:
//   npx tsx bench/tracer-overhead.ts [--duration 10] [--rounds 2] [--concurrency 50]
//     [--clients undici,http] [--modes off,tracer,tracer-sampled,otel,production]
// The server runs in its own process; each (client, mode) measurement runs in a fresh process and
// the modes are interleaved round by round so machine-load drift hits them alike.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './median.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const durationS = arg('duration', 10);
const rounds = arg('rounds', 2);
const concurrency = arg('concurrency', 50);
const listArg = <T extends string>(name: string, all: readonly T[]): T[] => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? [...all] : (process.argv[i + 1] ?? '').split(',').filter((x): x is T => (all as readonly string[]).includes(x));
};
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

function runChild(file: string, args: string[]): Promise<{ line: string; kill: () => void; done: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', here(file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    let resolved = false;
    const done = new Promise<void>((r) => child.on('exit', () => r()));
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl !== -1 && !resolved) {
        resolved = true;
        resolve({ line: buf.slice(0, nl), kill: () => child.kill('SIGTERM'), done });
      }
    });
    child.on('exit', (code) => {
      if (!resolved) reject(new Error(`${file} exited with ${code}`));
    });
  });
}

const clients = listArg('clients', ['undici', 'http'] as const);
// 'tracer-sampled' is the tracer with sampleRate 0.1 (SAMPLE_RATE overrides; see tracer-load.ts).
// 'production' is what `node --import connscope/register` does by default (tracer-load.ts).
const allModes = ['off', 'tracer', 'tracer-sampled', 'otel', 'production', 'noop-subs', 'tracer-base'] as const;
// noop-subs (what undici and Node spend publishing to empty subscribers) and tracer-base (the
// tracer of the checkout in CONNSCOPE_BASE, to A/B a change) run only when asked for.
const modes = process.argv.includes('--modes') ? listArg('modes', allModes) : allModes.filter((m) => m !== 'noop-subs' && m !== 'tracer-base');
if (!modes.includes('off')) modes.unshift('off');
const totals: Record<string, { requests: number; ms: number; cpuUs: number }> = {};
/** Per-round req/s and CPU µs/request, for medians of the per-round ratios. */
const perRound: Record<string, { rps: number; cpu: number }[]> = {};

const server = await runChild('./tracer-server.ts', []);
const { port } = JSON.parse(server.line) as { port: number };
try {
  const perRunMs = Math.round((durationS * 1000) / rounds);
  for (let round = 0; round < rounds; round++) {
    for (const client of clients) {
      for (const mode of modes) {
        const run = await runChild('./tracer-load.ts', [client, mode, String(port), String(perRunMs), String(concurrency)]);
        await run.done;
        const r = JSON.parse(run.line) as { requests: number; ms: number; cpuUsPerRequest: number };
        const key = `${client}/${mode}`;
        const t = (totals[key] ??= { requests: 0, ms: 0, cpuUs: 0 });
        t.requests += r.requests;
        t.ms += r.ms;
        t.cpuUs += r.cpuUsPerRequest * r.requests;
        (perRound[key] ??= []).push({ rps: (r.requests / r.ms) * 1000, cpu: r.cpuUsPerRequest });
        process.stderr.write(`round ${round + 1}/${rounds} ${key}: ${((r.requests / r.ms) * 1000).toFixed(0)} req/s\n`);
      }
    }
  }
} finally {
  server.kill();
  await server.done;
}

const rps = (k: string): number => (totals[k]!.requests / totals[k]!.ms) * 1000;
/** Median over rounds of (mode / off in the same round): drift between rounds cancels out. */
const medianRatio = (client: string, mode: string, field: 'rps' | 'cpu'): number => {
  const off = perRound[`${client}/off`]!;
  const on = perRound[`${client}/${mode}`]!;
  return median(on.map((r, i) => r[field] / off[i]![field]));
};
const rows = [];
for (const client of clients) {
  const off = rps(`${client}/off`);
  for (const mode of modes) {
    const v = rps(`${client}/${mode}`);
    const t = totals[`${client}/${mode}`]!;
    const cpu = t.cpuUs / t.requests;
    const cpuOff = totals[`${client}/off`]!.cpuUs / totals[`${client}/off`]!.requests;
    // Client CPU per request is steadier than req/s on a shared machine: report both.
    rows.push({ client, mode, requests: t.requests, reqPerSec: Math.round(v), vsOff: +(v / off).toFixed(3), clientCpuUsPerReq: +cpu.toFixed(2), cpuVsOff: +(cpu / cpuOff).toFixed(3), medianRoundVsOff: +medianRatio(client, mode, 'rps').toFixed(3), medianRoundCpuVsOff: +medianRatio(client, mode, 'cpu').toFixed(3) });
  }
}
console.table(rows);
console.log(JSON.stringify({ durationS, rounds, concurrency, results: rows }));
