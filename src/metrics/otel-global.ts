import { createNoopMeter, metrics, type MeterProvider } from '@opentelemetry/api';
import { VERSION } from '../version.js';
import { otelSink } from './otel-sink.js';
import type { MetricsRecorder } from './recorder.js';

/**
 * Where @opentelemetry/api 1.x keeps its globals (global-utils.js: `opentelemetry.js.api.<major>`,
 * an object with one field per API, `metrics` for the MeterProvider). The key is not exported;
 * connscope depends on the 1.x API, whose key this is.
 */
const API_KEY = Symbol.for('opentelemetry.js.api.1');
const NONE = Symbol('none');

/**
 * Records into the MeterProvider the app registered with OpenTelemetry (any SDK set-up), including
 * one it registers after connscope started. @opentelemetry/api 1.x has no proxy for meters: a meter
 * taken from the global API before the app registers its provider stays a no-op forever. So the
 * recorder reads the API's global slot before each event (a global symbol lookup, a field read and
 * a comparison; the API's own getter only when the slot changed) and creates its instruments again whenever the provider changed; with
 * no provider (the API's no-op one) no instrument exists and an event records nothing.
 */
export function followGlobalMeterProvider(recorder: MetricsRecorder): () => void {
  const noop = createNoopMeter();
  let provider: MeterProvider | undefined;
  let remove: (() => void) | undefined;
  /** What the API's global held for `metrics` when last asked (NONE: never asked). */
  let held: unknown = NONE;
  recorder.beforeEvent = () => {
    // Per event: the raw global slot only. The API's own getter (version check, a Set lookup, the
    // no-op fallback) runs when the slot changed.
    const raw = (globalThis as unknown as Record<symbol, { metrics?: unknown } | undefined>)[API_KEY]?.metrics;
    if (raw === held) return;
    held = raw;
    const p = metrics.getMeterProvider();
    if (p === provider) return;
    provider = p;
    remove?.();
    remove = undefined;
    const meter = p.getMeter('connscope', VERSION);
    if (meter !== noop) remove = recorder.add(otelSink(meter));
  };
  recorder.beforeEvent();
  return () => {
    recorder.beforeEvent = undefined;
    remove?.();
  };
}
