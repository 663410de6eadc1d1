import type { Gauge, Registry } from 'prom-client';
import { promClient } from './prom-client.js';
import type { Attrs } from './attributes.js';
import { promLabel, promName, type MetricDef } from './names.js';
import type { MetricSink } from './sink.js';

type Labels = Record<string, string | number>;

/**
 * Attribute keys to label names, worked out once per metric. The label sets of the attribute sets
 * the recorder reuses (frozen ones) are kept, so those records allocate nothing here.
 */
function labeler(def: MetricDef): (a: Attrs) => Labels {
  const pairs = def.attributes.map((k) => [k, promLabel(k)] as const);
  const kept = new WeakMap<Attrs, Labels>();
  const convert = (a: Attrs): Labels => {
    const labels: Labels = {};
    for (const [k, l] of pairs) {
      const v = a[k];
      if (v !== undefined) labels[l] = v;
    }
    return labels;
  };
  return (a) => {
    if (!Object.isFrozen(a)) return convert(a);
    let labels = kept.get(a);
    if (!labels) {
      labels = convert(a);
      kept.set(a, labels);
    }
    return labels;
  };
}

/**
 * A sink writing into a prom-client registry, under the names OpenTelemetry's Prometheus exporters
 * give the same metrics (promName()), so a dashboard reads `--metrics-port` and an OTLP → Collector →
 * Prometheus pipeline alike.
 */
export function promSink(registry: Registry): MetricSink {
  return {
    instrument(def) {
      const labels = labeler(def);
      const common = { name: promName(def), help: def.description, labelNames: def.attributes.map(promLabel), registers: [registry] };
      if (def.kind === 'histogram') {
        const h = new (promClient().Histogram)({ ...common, buckets: [...(def.buckets ?? [])] });
        return (v, a) => h.observe(labels(a), v);
      }
      const c = new (promClient().Counter)(common);
      return (v, a) => c.inc(labels(a), v);
    },
    observe(def, observer) {
      const labels = labeler(def);
      const g: Gauge = new (promClient().Gauge)({
        name: promName(def),
        help: def.description,
        labelNames: def.attributes.map(promLabel),
        registers: [registry],
        collect() {
          g.reset();
          for (const [v, a] of observer()) g.set(labels(a), v);
        },
      });
    },
  };
}
