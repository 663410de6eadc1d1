import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { exportedRequests } from '../helpers/otel-export.js';
import { Registry } from 'prom-client';
import { Pool } from 'undici';
import { followGlobalMeterProvider } from '../../src/metrics/otel-global.js';
import { promSink } from '../../src/metrics/prom-sink.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { instrument } from '../../src/trace/index.js';
import type { Tracer } from '../../src/trace/types.js';
import { httpServer } from '../helpers/servers.js';
import { until } from '../trace/collect.js';

// One process per test file (node:test): nothing else has touched OpenTelemetry's global here.
const API_KEY = Symbol.for('opentelemetry.js.api.1');

/** The tracer as the recorder sees it, counting the recorder's `tally` listeners on it. */
function watched(tracer: Tracer): { tracer: Tracer; tallyListeners: () => number } {
  let n = 0;
  const proxy = new Proxy(tracer, {
    get(target, key, receiver) {
      if (key === 'on' || key === 'off') {
        return (event: string, listener: (...args: never[]) => void) => {
          if (event === 'tally') n += key === 'on' ? 1 : -1;
          (target[key] as (e: string, l: unknown) => Tracer)(event, listener);
          return receiver as Tracer;
        };
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { tracer: proxy, tallyListeners: () => n };
}

/** The client request count in a Prometheus registry (the duration histogram's _count). */
async function promCount(registry: Registry): Promise<number> {
  const text = await registry.metrics();
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith('http_client_request_duration_seconds_count')) n += Number(line.split(' ').pop());
  return n;
}

test('the recorder listens for tally only while it has somewhere to record: none, a late MeterProvider, a Prometheus sink', { timeout: 30_000 }, async () => {
  assert.equal(Object.getOwnPropertyDescriptor(globalThis, API_KEY), undefined, 'no OpenTelemetry global in this process yet');
  let served = 0;
  const server = await httpServer((_req, res) => {
    served++;
    res.end('ok');
  });
  const tracer = instrument({ sampleRate: 0.1 });
  // the live session's role: a tally listener of its own, so the tracer counts every request
  let tallies = 0;
  tracer.on('tally', () => tallies++);
  const w = watched(tracer);
  const recorder = new MetricsRecorder({ client: true, server: false });
  const stopFollow = followGlobalMeterProvider(recorder);
  const stopObserve = recorder.observe(w.tracer);
  const pool = new Pool(server.origin, { connections: 2 });
  const run = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await (await pool.request({ path: '/m', method: 'GET' })).body.dump();
  };
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  try {
    // no OpenTelemetry global and no sink: nothing to record into, so no listener per request
    assert.equal(w.tallyListeners(), 0, 'not listening with nowhere to record');
    await run(20);
    await until(() => tallies === 20, 3000, 'the other listener counted every request');

    // the app registers its MeterProvider late: the watch sees the API's global appear, the recorder
    // starts listening, and every request after the registration is recorded, exactly
    assert.equal(metrics.setGlobalMeterProvider(provider), true);
    assert.equal(w.tallyListeners(), 1, 'listening once a provider can exist');
    await run(30);
    await until(() => tallies === 50, 3000, 'every request counted');
    assert.equal(await exportedRequests(reader, exporter), 30, 'every request after the registration, none before');

    // the follower stops: nothing left to record into, the listener goes
    stopFollow();
    assert.equal(w.tallyListeners(), 0, 'no listener once the follower stopped');

    // a Prometheus sink added: listening again while it is there, every request recorded
    const registry = new Registry();
    const removeProm = recorder.add(promSink(registry));
    assert.equal(w.tallyListeners(), 1);
    await run(15);
    await until(() => tallies === 65, 3000, 'every request counted');
    assert.equal(await promCount(registry), 15);
    removeProm();
    assert.equal(w.tallyListeners(), 0, 'the last sink removed: not listening');
    await run(5);
    await until(() => tallies === 70, 3000, 'every request counted');
    assert.equal(await promCount(registry), 15, 'nothing recorded into a removed sink');
    assert.equal(served, 70);

    stopObserve();
    assert.equal(w.tallyListeners(), 0);
  } finally {
    stopObserve();
    await pool.destroy().catch(() => {});
    tracer.stop();
    await server.close();
    await provider.shutdown();
    metrics.disable();
  }
});
