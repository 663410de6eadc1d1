import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';
import type { ConnectionRecord } from '../model/connection.js';
import type { RequestTrace } from '../model/request.js';
import type { ServerTracer } from '../trace/server/types.js';

/**
 * Server-side metric names. They follow OpenTelemetry's HTTP semantic conventions where one exists
 * (`http.server.request.duration` → connscope_http_server_request_duration_seconds) and mirror the
 * client-side names (`http.client.open_connections`, `http.client.connection.duration`) otherwise.
 */
export const SERVER_METRICS = {
  /** histogram, seconds — OTel http.server.request.duration */
  requestDuration: 'connscope_http_server_request_duration_seconds',
  /** gauge, {request} — OTel http.server.active_requests */
  activeRequests: 'connscope_http_server_active_requests',
  /** gauge, {connection}, label http_connection_state = active | idle — mirrors OTel http.client.open_connections */
  openConnections: 'connscope_http_server_open_connections',
  /** histogram, seconds — mirrors OTel http.client.connection.duration */
  connectionDuration: 'connscope_http_server_connection_duration_seconds',
  /** counter — connections accepted */
  connections: 'connscope_http_server_connections_total',
  /** histogram, {request} — keep-alive reuse as the server sees it */
  requestsPerConnection: 'connscope_http_server_requests_per_connection',
  /** counter, labels closed_by, reason — who closed each connection and why */
  closes: 'connscope_http_server_connection_closes_total',
  /** counter, label kind = full | resumed */
  tlsHandshakes: 'connscope_tls_server_handshakes_total',
  /** histogram, seconds, label kind = full | resumed */
  tlsHandshakeDuration: 'connscope_tls_server_handshake_duration_seconds',
} as const;

/** OTel's advised buckets for http.server.request.duration. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const CONNECTION_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const HANDSHAKE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const PER_CONNECTION_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10000];

/** Known methods keep their name; anything else is `_OTHER` (OTel), so label values stay bounded. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

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
 */
export function serverMetrics(into?: Registry): ServerMetrics {
  // prom-client is loaded when metrics are asked for, not when connscope/report is imported
  const { Counter, Gauge, Histogram, Registry: NewRegistry } = createRequire(import.meta.url)('prom-client') as typeof import('prom-client');
  const registry = into ?? new NewRegistry();
  const tracers = new Set<ServerTracer>();
  const requestDuration = new Histogram({
    name: SERVER_METRICS.requestDuration,
    help: 'Duration of HTTP server requests (OTel http.server.request.duration)',
    labelNames: ['http_request_method', 'http_response_status_code', 'network_protocol_version'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: SERVER_METRICS.activeRequests,
    help: 'HTTP server requests in progress (OTel http.server.active_requests)',
    registers: [registry],
    collect() {
      let n = 0;
      for (const t of tracers) n += t.counts().requests;
      this.set(n);
    },
  });
  new Gauge({
    name: SERVER_METRICS.openConnections,
    help: 'Connections open on the server, by state (active: a request in progress; idle: kept alive)',
    labelNames: ['http_connection_state'],
    registers: [registry],
    collect() {
      let active = 0;
      let idle = 0;
      for (const t of tracers) {
        const c = t.counts();
        active += c.active;
        idle += c.idle;
      }
      this.set({ http_connection_state: 'active' }, active);
      this.set({ http_connection_state: 'idle' }, idle);
    },
  });
  const connectionDuration = new Histogram({
    name: SERVER_METRICS.connectionDuration,
    help: 'Lifetime of server connections, accept to close',
    buckets: CONNECTION_BUCKETS,
    registers: [registry],
  });
  const connections = new Counter({ name: SERVER_METRICS.connections, help: 'Connections the server accepted', registers: [registry] });
  const perConnection = new Histogram({
    name: SERVER_METRICS.requestsPerConnection,
    help: 'Requests served per connection before it closed (the server view of keep-alive reuse)',
    buckets: PER_CONNECTION_BUCKETS,
    registers: [registry],
  });
  const closes = new Counter({
    name: SERVER_METRICS.closes,
    help: 'Server connections closed, by the side that closed them and the reason',
    labelNames: ['closed_by', 'reason'],
    registers: [registry],
  });
  const handshakes = new Counter({
    name: SERVER_METRICS.tlsHandshakes,
    help: 'TLS handshakes completed by the server, full or resumed',
    labelNames: ['kind'],
    registers: [registry],
  });
  const handshakeDuration = new Histogram({
    name: SERVER_METRICS.tlsHandshakeDuration,
    help: 'TLS handshake duration on the server, accept to secure',
    labelNames: ['kind'],
    buckets: HANDSHAKE_BUCKETS,
    registers: [registry],
  });

  const recordRequest = (r: RequestTrace): void => {
    const method = METHODS.has(r.method) ? r.method : '_OTHER';
    const labels: Record<string, string> = { http_request_method: method, network_protocol_version: protocolVersion(r.httpVersion) };
    if (r.status !== undefined) labels.http_response_status_code = String(r.status);
    requestDuration.observe(labels, r.phases.total / 1000);
  };
  const recordConnection = (c: ConnectionRecord): void => {
    connections.inc();
    if (!c.tls) return;
    const kind = c.tls.resumed ? 'resumed' : 'full';
    handshakes.inc({ kind });
    if (c.establishment.tls !== undefined) handshakeDuration.observe({ kind }, c.establishment.tls / 1000);
  };
  const recordClose = (c: ConnectionRecord): void => {
    if (c.close) closes.inc({ closed_by: c.close.closedBy, reason: c.close.reason });
    // a handshake that failed never served anything: count the close, not a lifetime
    if (c.closedAt === undefined || c.protocol === 'unknown') return;
    connectionDuration.observe((c.closedAt - c.openedAt) / 1000);
    perConnection.observe(c.requests);
  };

  return {
    registry,
    recordRequest,
    recordConnection,
    recordClose,
    observe(tracer) {
      tracers.add(tracer);
      tracer.on('request', recordRequest).on('connection', recordConnection).on('close', recordClose);
      return () => {
        tracers.delete(tracer);
        tracer.off('request', recordRequest).off('connection', recordConnection).off('close', recordClose);
      };
    },
    metrics: () => registry.metrics(),
  };
}

function protocolVersion(v: string | undefined): string {
  if (!v) return 'unknown';
  return v === '2.0' ? '2' : v;
}
