// Child of bench/tracer-instructions.ts, run under callgrind: a keep-alive server and one client
// (undici Pool or node:http Agent, 50 concurrent) in this one process. After a warm-up it switches
// callgrind's counting on for N requests (callgrind_control), so the count covers steady-state
// request handling of both ends, JIT warm-up excluded.
//   node tracer-instructions-load.ts <undici|http> <mode> <requests>
// mode: off | floor (empty subscribers on the tracer's channels) | rate<r> (sampleRate r) |
// tracer | tracer-base (the tracer of the checkout in CONNSCOPE_BASE) | production (alias run: what
// `node --import connscope/register` does by default, client and server traced into the live session,
// no report written) | run-client (the same, servers untraced) | run-full (production at --sample-rate 1)
// | run-rate<r> (production at --sample-rate r: with run-full, sampling compared on both ends)
// | metrics-noop | metrics-sdk | metrics-prom (the tracer plus `connscope run`'s metrics recorder, see recordMetrics())
// | tracer-both (instrument({ server: true }): client and server traced) | otel | otel-both
// (OpenTelemetry's http + undici instrumentations, client only or client and server: bench/otel.ts).
// The tracer and OpenTelemetry modes check at the end that every request was recorded (one
// 'request' event or span per request and traced side) and fail loudly if not.
import './layout-pad.js';
import { spawn } from 'node:child_process';
import os from 'node:os';
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { keepAliveClient, subscribeEmpty, TRACER_CHANNELS } from './keepalive-client.js';
import { enableOtel, type OtelTracing } from './otel.js';

const [client = 'http', mode = 'off', nArg = '6000'] = process.argv.slice(2);
const requests = Number(nArg);
const WARM_UP = Number(process.env.WARM_UP ?? 4000);

// OpenTelemetry patches node:http's exports and Server.prototype.emit, and listens on undici's
// channels: set up first, as `--require` would, though the patches reach objects made before too.
const otel: OtelTracing | undefined = mode === 'otel' || mode === 'otel-both' ? enableOtel({ server: mode === 'otel-both' }) : undefined;
/** 'request' events the tracer modes' consumer saw (a count is all it does with them). */
let recorded = 0;

// a keep-alive timeout far beyond any wait for callgrind_control: on a loaded machine that wait passed 30 s, the
// server closed the idle connections and a request raced the close (ECONNRESET). Same work per request either way.
const server = http.createServer({ keepAliveTimeout: 600_000 }, (_req, res) => res.end('ok'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const { once, close } = await keepAliveClient(client, port, 50);
const run = async (n: number): Promise<void> => {
  let left = n;
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (left-- > 0) await once();
  }));
};

if (mode === 'floor') {
  subscribeEmpty(dc, TRACER_CHANNELS[client === 'undici' ? 'undici' : 'http']);
} else if (mode === 'production' || mode === 'run' || mode === 'run-client' || mode === 'run-full' || mode.startsWith('run-rate')) {
  // production: exactly what `node --import connscope/register` does by default (no environment),
  // less the exit report's output; run-full: the same at --sample-rate 1
  const { attach } = await import('../src/run/attach.js');
  const { runOptionsFromEnv } = await import('../src/run/options.js');
  const options = runOptionsFromEnv({});
  const sampleRate = mode === 'run-full' ? 1 : mode.startsWith('run-rate') ? Number(mode.slice('run-rate'.length)) : options.sampleRate;
  attach({ ...options, report: false, server: mode !== 'run-client', sampleRate }, process.env, true);
} else if (mode !== 'off' && !otel) {
  const base = process.env.CONNSCOPE_BASE;
  if (mode === 'tracer-base' && !base) throw new Error('tracer-base needs CONNSCOPE_BASE=<checkout>');
  const from = mode === 'tracer-base' ? pathToFileURL(`${base}/src/trace/index.ts`).href : '../src/trace/index.js';
  const { instrument } = (await import(from)) as typeof import('../src/trace/index.js');
  const tracer = instrument(mode.startsWith('rate') ? { sampleRate: Number(mode.slice(4)) } : mode === 'tracer-both' ? { server: true } : {});
  // A consumer that counts and discards events: the cost counted is the tracer's own.
  tracer.on('request', () => void recorded++);
  if (mode.startsWith('metrics-')) await recordMetrics(tracer, mode);
}

/**
 * metrics-noop: `connscope run`'s metrics recorder following the global MeterProvider, with none
 * registered (the OpenTelemetry API's no-op); metrics-sdk: with an OpenTelemetry SDK MeterProvider
 * (in-memory exporter) registered; metrics-prom: into a prom-client registry (--metrics-port).
 */
async function recordMetrics(tracer: import('../src/trace/index.js').Tracer, which: string): Promise<void> {
  const { MetricsRecorder } = await import('../src/metrics/recorder.js');
  const { followGlobalMeterProvider } = await import('../src/metrics/otel-global.js');
  if (which === 'metrics-sdk') {
    const sdk = await import('@opentelemetry/sdk-metrics');
    const { metrics } = await import('@opentelemetry/api');
    const exporter = new sdk.InMemoryMetricExporter(sdk.AggregationTemporality.CUMULATIVE);
    metrics.setGlobalMeterProvider(new sdk.MeterProvider({ readers: [new sdk.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] }));
  }
  const recorder = new MetricsRecorder({ client: true, server: false, inflight: () => tracer.inflight() });
  followGlobalMeterProvider(recorder);
  recorder.observe(tracer);
  if (which === 'metrics-prom') {
    const { Registry } = await import('prom-client');
    const { promSink } = await import('../src/metrics/prom-sink.js');
    recorder.add(promSink(new Registry()));
  }
}

// An empty young generation before the first request (the parent passes --expose-gc): otherwise the
// first scavenge could fall while the 50 connections and their first requests are all being set up,
// with every object of some of node:http's allocation sites alive; V8 then pretenures those sites
// (allocates their objects in old space) for good. Dead in old space, they keep the young objects
// they point to alive through each scavenge until a mark-compact, which this heap never runs: ~2 KB
// promoted per request, scavenges 5–10× dearer, in any mode (off too) in the runs where it happened
// (bench/README.md, "Pretenuring").
globalThis.gc?.({ type: 'minor' });

const underValgrind = /vgpreload/.test(process.env.LD_PRELOAD ?? '');
// The window is cut by two calls the parent names to callgrind: os.uptime() zeroes the counts
// (--zero-before) and os.loadavg() dumps them (--dump-before), so the count is exactly the window's
// requests. Instrumentation is switched on (callgrind_control, through vgdb) halfway through the
// warm-up, the loop idle until it answers; one that failed says so and the parent runs it again.
await run(WARM_UP / 2);
if (underValgrind) {
  const code = await new Promise<number | null>((done) => {
    // without valgrind's LD_PRELOAD, which this process's children inherit (and which breaks them)
    const env = { ...process.env };
    delete env.LD_PRELOAD;
    const control = spawn('callgrind_control', ['-i', 'on', String(process.pid)], { stdio: 'ignore', env });
    control.on('error', () => done(-1));
    control.on('exit', (c, signal) => done(c ?? (signal ? -2 : -3)));
  });
  if (code !== 0) process.stderr.write(`CALLGRIND_CONTROL_FAILED on (exit ${code})\n`);
}
await run(WARM_UP / 2);
os.uptime();
const windowStart = performance.now();
await run(requests);
os.loadavg();
// the window's wall time: what per-second work (timers) is charged to, stretched by valgrind and the machine's load
process.stderr.write(`WINDOW_MS ${Math.round(performance.now() - windowStart)}\n`);
await close();
server.close();
// Every request recorded on every traced side, or the count compared something else: the parent
// fails the run on this line.
const sides = mode.endsWith('-both') ? 2 : 1;
const expected = sides * (WARM_UP + requests);
const seen = otel ? await otel.flush() : mode === 'tracer' || mode === 'tracer-both' ? recorded : expected;
if (seen !== expected) process.stderr.write(`BENCH_CHECK_FAILED ${mode}: ${seen} ${otel ? 'spans' : "'request' events"} for ${expected} expected\n`);
