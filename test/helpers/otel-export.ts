import type { InMemoryMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

/** Requests counted in http.client.request.duration by the provider's exporter (its latest export). */
export async function exportedRequests(reader: PeriodicExportingMetricReader, exporter: InMemoryMetricExporter): Promise<number> {
  await reader.forceFlush();
  let n = 0;
  for (const rm of exporter.getMetrics().slice(-1)) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        if (m.descriptor.name !== 'http.client.request.duration') continue;
        for (const p of m.dataPoints) n += (p.value as { count: number }).count;
      }
    }
  }
  return n;
}
