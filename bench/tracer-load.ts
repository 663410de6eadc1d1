// Child process for bench/tracer-overhead.ts: drives a closed-loop load against the bench server
// with one client (undici or node:http) in one mode (off, tracer, tracer-sampled, tracer-base, otel,
// noop-subs, production: register's default level) and prints the count.
import { pathToFileURL } from 'node:url';
import { keepAliveClient, subscribeEmpty, TRACER_CHANNELS } from './keepalive-client.js';
import { enableOtel } from './otel.js';

const [client, mode, portArg, durationArg, concurrencyArg] = process.argv.slice(2);
const port = Number(portArg);
const durationMs = Number(durationArg);
const concurrency = Number(concurrencyArg);

async function main(): Promise<void> {
  // otel: the SDK with the http + undici instrumentations, client only (bench/otel.ts)
  const otel = mode === 'otel' ? enableOtel({ server: false }) : undefined;
  let stopTracer = (): void => {};
  if (mode === 'noop-subs') {
    // Diagnostic mode: what undici's own publishing costs once anything subscribes.
    subscribeEmpty(await import('node:diagnostics_channel'), [...TRACER_CHANNELS.undici, ...TRACER_CHANNELS.http]);
  }
  if (mode === 'production') {
    // what `node --import connscope/register` does by default (this process has no server to trace),
    // less the exit report's output
    const { attach } = await import('../src/run/attach.js');
    const { runOptionsFromEnv } = await import('../src/run/options.js');
    const attached = attach({ ...runOptionsFromEnv({}), report: false }, process.env, true);
    stopTracer = () => attached.stop();
  }
  if (mode === 'tracer' || mode === 'tracer-sampled' || mode === 'tracer-base') {
    // tracer-base: the tracer of another checkout (CONNSCOPE_BASE=/path/to/checkout), to A/B a
    // change in one run.
    const base = process.env.CONNSCOPE_BASE;
    if (mode === 'tracer-base' && !base) throw new Error('tracer-base needs CONNSCOPE_BASE=<checkout>');
    const from = mode === 'tracer-base' ? pathToFileURL(`${base}/src/trace/index.ts`).href : '../src/trace/index.js';
    const { instrument } = (await import(from)) as typeof import('../src/trace/index.js');
    // tracer-sampled: a share of the requests on kept-alive connections is traced (SAMPLE_RATE, default 0.1).
    const tracer = instrument(mode === 'tracer-sampled' ? { sampleRate: Number(process.env.SAMPLE_RATE ?? 0.1) } : {});
    // A consumer that discards events: the cost measured is the tracer's own.
    tracer.on('request', () => {});
    tracer.on('connection', () => {});
    tracer.on('close', () => {});
    stopTracer = () => tracer.stop();
  }
  // Made after instrumentation so OTel's require hooks see node:http and undici load.
  const { once, close } = await keepAliveClient(client!, port, concurrency);

  // Warm up (JIT, connections) before counting.
  const warmEnd = Date.now() + 1000;
  const loop = async (until: number, count: { n: number }): Promise<void> => {
    while (Date.now() < until) {
      await once();
      count.n++;
    }
  };
  const warm = { n: 0 };
  await Promise.all(Array.from({ length: concurrency }, () => loop(warmEnd, warm)));
  const count = { n: 0 };
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = Date.now() + durationMs;
  await Promise.all(Array.from({ length: concurrency }, () => loop(end, count)));
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  stopTracer();
  await close();
  // One span per request, or OpenTelemetry was not measured at all.
  const spans = otel ? await otel.flush() : 0;
  if (otel && spans !== warm.n + count.n) throw new Error(`otel: ${spans} spans for ${warm.n + count.n} requests`);
  process.stdout.write(JSON.stringify({ client, mode, requests: count.n, ms: elapsed, cpuUsPerRequest: (cpu.user + cpu.system) / count.n, userUsPerRequest: cpu.user / count.n, systemUsPerRequest: cpu.system / count.n }) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + '\n');
  process.exit(1);
});
