import type { Attrs } from './attributes.js';
import type { MetricDef } from './names.js';

/** Records one value of a histogram or counter. */
export type RecordFn = (value: number, attrs: Attrs) => void;
/** The values an observable metric has right now, each with its attributes. */
export type Observer = () => Iterable<readonly [number, Attrs]>;

/**
 * Where metrics go: an OpenTelemetry meter (otel-sink.ts) or a prom-client registry
 * (prom-sink.ts). The recorder maps tracer events to metrics once and writes into any sinks.
 */
export interface MetricSink {
  /** A histogram or counter. */
  instrument(def: MetricDef): RecordFn;
  /** An up-down counter or gauge, read at collection. */
  observe(def: MetricDef, observer: Observer): void;
}
