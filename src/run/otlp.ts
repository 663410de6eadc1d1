import { randomUUID } from 'node:crypto';
import type { Meter } from '@opentelemetry/api';
import { VERSION } from '../version.js';

export interface OtlpExport {
  meter: Meter;
  /** Exports what is left and stops the reader (resolves even when the export fails). */
  shutdown(): Promise<void>;
}

/** OTEL_METRIC_EXPORT_INTERVAL (ms) as the OpenTelemetry SDKs read it; 60 s by default. */
export function exportIntervalMs(env: Record<string, string | undefined>): number {
  const n = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  return Number.isFinite(n) && n >= 100 ? n : 60_000;
}

/**
 * `--otlp <url>`: connscope's own MeterProvider, PeriodicExportingMetricReader and OTLP/HTTP (JSON)
 * exporter. The SDK packages are optional dependencies loaded only here. The provider is private:
 * it is never registered as the global one, so the app's own OpenTelemetry set-up (if any) is
 * untouched and keeps receiving connscope's metrics too. A URL without a path gets the OTLP
 * metrics path, /v1/metrics, as OTEL_EXPORTER_OTLP_ENDPOINT does.
 */
export async function startOtlp(endpoint: string, env: Record<string, string | undefined>): Promise<OtlpExport> {
  const [sdk, exporterModule, resources] = await Promise.all([import('@opentelemetry/sdk-metrics'), import('@opentelemetry/exporter-metrics-otlp-http'), import('@opentelemetry/resources')]);
  const url = new URL(endpoint);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/metrics';
  const exporter = new exporterModule.OTLPMetricExporter({ url: url.href });
  const reader = new sdk.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: exportIntervalMs(env) });
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector, resources.hostDetector] }))
    .merge(resources.resourceFromAttributes({ 'service.instance.id': randomUUID(), 'process.pid': process.pid }));
  const provider = new sdk.MeterProvider({ resource, readers: [reader] });
  let done: Promise<void> | undefined;
  return {
    meter: provider.getMeter('connscope', VERSION),
    shutdown: () => (done ??= provider.shutdown().catch(() => undefined)),
  };
}
