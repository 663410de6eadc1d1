import type { Registry } from 'prom-client';
import { promClient } from '../metrics/prom-client.js';
import { METRICS, promName } from '../metrics/names.js';
import { promSink } from '../metrics/prom-sink.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import type { ConnectionRecord } from '../model/connection.js';
import type { RequestTrace } from '../model/request.js';
import type { ServerTracer } from '../trace/server/types.js';

/**
 * Server-side Prometheus names: the ones `connscope run --metrics-port` serves and OpenTelemetry's
 * Prometheus exporters write for the same metrics (src/metrics/names.ts). Until 0.1 these were
 * `connscope_*` names; docs/run.md ("Changes to metric names") maps old to new.
 */
export const SERVER_METRICS = {
  /** histogram, seconds — OTel http.server.request.duration */
  requestDuration: promName(METRICS.serverRequestDuration),
  /** gauge, {request} — OTel http.server.active_requests */
  activeRequests: promName(METRICS.serverActiveRequests),
  /** gauge, {connection}, label http_connection_state = active | idle */
  openConnections: promName(METRICS.serverOpenConnections),
  /** histogram, seconds, accept to close */
  connectionDuration: promName(METRICS.serverConnectionDuration),
  /** counter — connections accepted */
  connections: promName(METRICS.serverConnections),
  /** histogram, {request} — keep-alive reuse as the server sees it */
  requestsPerConnection: promName(METRICS.serverRequestsPerConnection),
  /** counter, labels connscope_close_side, connscope_close_reason */
  closes: promName(METRICS.serverCloses),
  /** counter, label connscope_tls_handshake = full | resumed */
  tlsHandshakes: promName(METRICS.serverHandshakes),
  /** histogram, seconds, label connscope_tls_handshake */
  tlsHandshakeDuration: promName(METRICS.serverHandshakeDuration),
  /** counter, label connscope_connection_reused = true | false */
  requests: promName(METRICS.serverRequests),
} as const;

export interface ServerMetrics {
  registry: Registry;
  /** Feeds a server tracer's events into the metrics; returns a function that stops. */
  observe(tracer: ServerTracer): () => void;
  /** Records one finished request / one closed connection (for sources other than a live tracer). */
  recordRequest(r: RequestTrace): void;
  recordConnection(c: ConnectionRecord): void;
  recordClose(c: ConnectionRecord): void;
  /** Prometheus text exposition. */
  metrics(): Promise<string>;
}

/**
 * Prometheus metrics for the server side, in a dedicated registry (never prom-client's global one,
 * so they cannot collide with the application's own metrics unless it passes its registry in).
 * The same recorder as `connscope run` writes them.
 */
export function serverMetrics(registry: Registry = new (promClient().Registry)()): ServerMetrics {
  const tracers = new Set<ServerTracer>();
  const recorder = new MetricsRecorder({
    client: false,
    server: true,
    serverCounts: () => {
      const sum = { active: 0, idle: 0, requests: 0 };
      for (const t of tracers) {
        const c = t.counts();
        sum.active += c.active;
        sum.idle += c.idle;
        sum.requests += c.requests;
      }
      return sum;
    },
  });
  recorder.add(promSink(registry));
  return {
    registry,
    recordRequest: (r) => recorder.onRequest(r),
    recordConnection: (c) => recorder.onConnection(c),
    recordClose: (c) => recorder.onClose(c),
    observe(tracer) {
      tracers.add(tracer);
      const stop = recorder.observe(tracer);
      return () => {
        tracers.delete(tracer);
        stop();
      };
    },
    metrics: () => registry.metrics(),
  };
}
