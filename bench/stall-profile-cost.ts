// Cost of the stall profiler (instrument({ profile: true }), on by default in probe and lab): client
// CPU µs per keep-alive request with the tracer alone and with the tracer plus the profiler, client
// and server in one process, modes interleaved round by round so machine drift hits both alike.
// Run by hand: npx tsx bench/stall-profile-cost.ts [--requests 5000] [--rounds 6] [--client http|undici]
import http from 'node:http';
import { instrument } from '../src/trace/index.js';
import { keepAliveClient } from './keepalive-client.js';
import { median } from './median.js';

const argOf = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const requests = Number(argOf('requests', '5000'));
const rounds = Number(argOf('rounds', '6'));
const kind = argOf('client', 'http');

const server = http.createServer({ keepAliveTimeout: 60_000 }, (_q, res) => res.end('ok'));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;

async function round(profile: boolean): Promise<{ cpuUs: number; wallMs: number }> {
  const tracer = instrument({ profile });
  tracer.on('request', () => undefined);
  const client = await keepAliveClient(kind, port, 10);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let left = requests;
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (left-- > 0) await client.once();
  }));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await client.close();
  tracer.stop();
  return { cpuUs: cpu.user + cpu.system, wallMs };
}

await round(false); // warm-up
const totals = { off: { cpuUs: 0, wallMs: 0 }, on: { cpuUs: 0, wallMs: 0 } };
const ratios: number[] = [];
for (let i = 0; i < rounds; i++) {
  // alternate which mode goes first: a fixed order would bias whichever runs second
  let a;
  let b;
  if (i % 2 === 0) {
    a = await round(false);
    b = await round(true);
  } else {
    b = await round(true);
    a = await round(false);
  }
  totals.off.cpuUs += a.cpuUs;
  totals.off.wallMs += a.wallMs;
  totals.on.cpuUs += b.cpuUs;
  totals.on.wallMs += b.wallMs;
  ratios.push(b.cpuUs / a.cpuUs);
}
ratios.sort((x, y) => x - y);
const n = requests * rounds;
const out = {
  client: kind,
  requests: n,
  cpuUsPerRequest: { tracer: +(totals.off.cpuUs / n).toFixed(2), tracerPlusProfiler: +(totals.on.cpuUs / n).toFixed(2) },
  cpuVsTracer: +(totals.on.cpuUs / totals.off.cpuUs).toFixed(3),
  medianRoundCpuVsTracer: +median(ratios).toFixed(3),
  wallVsTracer: +(totals.on.wallMs / totals.off.wallMs).toFixed(3),
};
console.log(JSON.stringify(out));
server.close();
