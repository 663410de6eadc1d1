import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { exportedRequests } from '../helpers/otel-export.js';
import { followGlobalMeterProvider } from '../../src/metrics/otel-global.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { RequestTally } from '../../src/trace/tally.js';

// One process per test file (node:test): nothing else has touched OpenTelemetry's global here.
const API_KEY = Symbol.for('opentelemetry.js.api.1');
/** The API refuses a global object made by another version than its own. */
const API_VERSION = (JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve('@opentelemetry/api')), '../../package.json'), 'utf8')) as { version: string }).version;

function finished(ms: number): RequestTally {
  const t = new RequestTally(1, 'undici', 'http://127.0.0.1:1', 'GET', '/', 0);
  t.status = 200;
  t.durationMs = ms;
  t.done = true;
  return t;
}

test('the MeterProvider an app registers after connscope started gets every later event; the global slot looks as the API left it', { timeout: 20_000 }, async () => {
  assert.equal(Object.getOwnPropertyDescriptor(globalThis, API_KEY), undefined, 'no OpenTelemetry global in this process yet');
  const recorder = new MetricsRecorder({ client: true, server: false });
  const stop = followGlobalMeterProvider(recorder);
  // watched, the empty slot still reads as empty
  assert.equal((globalThis as unknown as Record<symbol, unknown>)[API_KEY], undefined);
  recorder.onTally(finished(1)); // nowhere to record yet: dropped, as without a provider

  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  assert.equal(metrics.setGlobalMeterProvider(provider), true, 'the API accepts the registration');
  assert.equal(metrics.getMeterProvider(), provider);
  // what a plain assignment makes: the watch is gone
  const d = Object.getOwnPropertyDescriptor(globalThis, API_KEY)!;
  assert.equal(d.get, undefined);
  assert.deepEqual([d.writable, d.enumerable, d.configurable], [true, true, true]);

  for (let i = 0; i < 3; i++) recorder.onTally(finished(2 + i));
  assert.equal(await exportedRequests(reader, exporter), 3, 'every event after the registration is recorded');
  stop();
  recorder.onTally(finished(9));
  assert.equal(await exportedRequests(reader, exporter), 3, 'nothing after stop');
  await provider.shutdown();
  metrics.disable();
});

test('the watch goes when the last follower stops, and a slot someone defines directly is noticed', { timeout: 20_000 }, async () => {
  // after the first test the API's global exists: start from none again
  delete (globalThis as unknown as Record<symbol, unknown>)[API_KEY];
  const a = followGlobalMeterProvider(new MetricsRecorder({ client: true, server: false }));
  const b = followGlobalMeterProvider(new MetricsRecorder({ client: true, server: false }));
  a();
  assert.equal(typeof Object.getOwnPropertyDescriptor(globalThis, API_KEY)?.get, 'function', 'still watched for the other follower');
  b();
  assert.equal(Object.getOwnPropertyDescriptor(globalThis, API_KEY), undefined, 'no trace of the watch left');

  const recorder = new MetricsRecorder({ client: true, server: false });
  const stop = followGlobalMeterProvider(recorder);
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  // not through the API's assignment: the setter never runs
  Object.defineProperty(globalThis, API_KEY, { value: { version: API_VERSION }, writable: true, enumerable: true, configurable: true });
  assert.equal(metrics.setGlobalMeterProvider(provider), true);
  await sleep(1_500);
  recorder.onTally(finished(1));
  assert.equal(await exportedRequests(reader, exporter), 1, 'recorded once the once-a-second check saw the slot');
  stop();
  await provider.shutdown();
});
