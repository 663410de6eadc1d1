import { writeSync } from 'node:fs';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { followGlobalMeterProvider } from '../metrics/otel-global.js';
import { otelSink } from '../metrics/otel-sink.js';
import { promSink } from '../metrics/prom-sink.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import type { Finding } from '../model/finding.js';
import { redactUrl } from '../redact.js';
import type { Tracer } from '../trace/types.js';
import type { LiveSession } from './live-session.js';
import { serveMetrics } from './metrics-server.js';
import type { RunOptions } from './options.js';
import { startOtlp, type OtlpExport } from './otlp.js';

export interface RunMetricsInputs {
  tracer: Tracer;
  live: LiveSession;
  options: RunOptions;
  /** Only the root process serves /metrics: the Node processes it starts would collide on the port. */
  root: boolean;
  /** A diagnosis of the live data now (connscope.findings). */
  findings: () => readonly Finding[];
  env?: Record<string, string | undefined>;
}

export interface RunMetrics {
  /** Settles once the --otlp exporter is set up (or failed to be, said on stderr). */
  ready: Promise<void>;
  stop(): void;
}

const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

function say(line: string): void {
  try {
    writeSync(2, `connscope: ${line}\n`);
  } catch {
    // stderr closed
  }
}

/**
 * `connscope run`'s metrics: always into the MeterProvider the app registered (if it does), into a
 * Prometheus /metrics server with --metrics-port, and over OTLP/HTTP with --otlp. One recorder
 * feeds them all from the tracer's events (src/metrics/recorder.ts).
 */
export function startMetrics(i: RunMetricsInputs): RunMetrics {
  const { tracer, live, options } = i;
  const env = i.env ?? process.env;
  const recorder = new MetricsRecorder({
    client: true,
    server: options.server,
    inflight: () => tracer.inflight(),
    openClientConnections: () => live.openConnections('client'),
    serverCounts: options.server ? () => tracer.serverCounts() : undefined,
    findings: i.findings,
    findingsEveryMs: options.reportIntervalMs ?? 60_000,
  });
  const stops: (() => void)[] = [followGlobalMeterProvider(recorder), recorder.observe(tracer)];

  if (options.metricsPort !== undefined && i.root) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    // prom-client's gauges named like counters, which `promtool check metrics` rejects; the
    // nodejs_active_{handles,requests,resources} gauges by type say the same
    for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
    stops.push(recorder.add(promSink(registry)), serveMetrics(registry, options.metricsHost, options.metricsPort).stop);
  }

  let otlp: OtlpExport | undefined;
  let flushing = false;
  // Natural exit: export what is left (the export's socket keeps the loop alive until it is sent).
  const onBeforeExit = (): void => {
    if (flushing || !otlp) return;
    flushing = true;
    void otlp.shutdown();
  };
  const ready =
    options.otlp === undefined
      ? Promise.resolve()
      : startOtlp(options.otlp, env).then(
          (o) => {
            otlp = o;
            stops.push(recorder.add(otelSink(o.meter)));
            process.on('beforeExit', onBeforeExit);
          },
          (err: NodeJS.ErrnoException) => {
            const missing = err.code === 'ERR_MODULE_NOT_FOUND';
            say(`no OTLP export to ${redactUrl(options.otlp!)}: ${missing ? 'the OpenTelemetry SDK packages are not installed (npm install @opentelemetry/sdk-metrics @opentelemetry/exporter-metrics-otlp-http @opentelemetry/resources)' : err.message} (the app runs on)`);
          },
        );

  return {
    ready,
    stop() {
      process.removeListener('beforeExit', onBeforeExit);
      for (const s of stops.splice(0)) s();
      void otlp?.shutdown();
    },
  };
}
