import type { Meter } from '@opentelemetry/api';
import type { MetricDef } from './names.js';
import type { MetricSink } from './sink.js';

/** A sink writing into an OpenTelemetry meter, with the semantic-convention names as they are. */
export function otelSink(meter: Meter): MetricSink {
  return {
    instrument(def: MetricDef) {
      const options = { unit: def.unit, description: def.description };
      if (def.kind === 'histogram') {
        const h = meter.createHistogram(def.name, { ...options, advice: def.buckets ? { explicitBucketBoundaries: [...def.buckets] } : undefined });
        return (v, a) => h.record(v, a);
      }
      const c = meter.createCounter(def.name, options);
      return (v, a) => c.add(v, a);
    },
    observe(def, observer) {
      const options = { unit: def.unit, description: def.description };
      const o = def.kind === 'gauge' ? meter.createObservableGauge(def.name, options) : meter.createObservableUpDownCounter(def.name, options);
      o.addCallback((result) => {
        for (const [v, a] of observer()) result.observe(v, a);
      });
    },
  };
}
