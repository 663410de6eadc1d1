import { createNoopMeter, metrics, type MeterProvider } from '@opentelemetry/api';
import { VERSION } from '../version.js';
import { otelSink } from './otel-sink.js';
import type { MetricsRecorder } from './recorder.js';

/**
 * Records into the MeterProvider the app registered with OpenTelemetry (any SDK set-up), including
 * one it registers after connscope started. @opentelemetry/api 1.x has no proxy for meters: a meter
 * taken from the global API before the app registers its provider stays a no-op forever. So the
 * recorder asks the API for the global provider before each event (a global symbol lookup and a
 * comparison, nanoseconds) and creates its instruments again whenever the provider changed; with
 * no provider (the API's no-op one) no instrument exists and an event records nothing.
 */
export function followGlobalMeterProvider(recorder: MetricsRecorder): () => void {
  const noop = createNoopMeter();
  let provider: MeterProvider | undefined;
  let remove: (() => void) | undefined;
  recorder.beforeEvent = () => {
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
