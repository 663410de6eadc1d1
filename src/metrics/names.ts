/**
 * Every metric connscope records, declared once: OpenTelemetry's HTTP semantic-convention names
 * where one exists, connscope's own facts under `connscope.`. Both outputs read this table: the
 * OpenTelemetry meter takes the names as they are; Prometheus gets them translated the way
 * OpenTelemetry's Prometheus exporters translate them (promName(): dots to underscores, `_seconds`
 * for seconds, `_total` on counters), so the two paths give the same series (docs/run.md, Metrics).
 */
export type MetricKind = 'histogram' | 'counter' | 'updown' | 'gauge';

export interface MetricDef {
  readonly name: string;
  /** histogram and counter are recorded on events; updown and gauge are observed at collection. */
  readonly kind: MetricKind;
  /** UCUM, as OpenTelemetry writes it ('s', '{request}'). */
  readonly unit: string;
  readonly description: string;
  /** Every attribute key the metric may carry (Prometheus needs the label names up front). */
  readonly attributes: readonly string[];
  readonly buckets?: readonly number[];
}

/** OpenTelemetry's advised boundaries for http.*.request.duration and dns.lookup.duration. */
const DURATION = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Phases are often sub-millisecond on a LAN: finer at the low end. */
const PHASE = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CONNECTION = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const HANDSHAKE = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const PER_CONNECTION = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10000];

const PEER = ['server.address', 'server.port', 'url.scheme'] as const;
const REQUEST = ['http.request.method', ...PEER, 'network.protocol.version', 'http.response.status_code', 'error.type'] as const;
const CLOSE = ['connscope.close.side', 'connscope.close.reason'] as const;

export const METRICS = {
  // OpenTelemetry semantic conventions (HTTP, DNS)
  clientRequestDuration: { name: 'http.client.request.duration', kind: 'histogram', unit: 's', description: 'Duration of HTTP client requests.', attributes: REQUEST, buckets: DURATION },
  clientActiveRequests: { name: 'http.client.active_requests', kind: 'updown', unit: '{request}', description: 'Number of active HTTP requests.', attributes: PEER },
  clientOpenConnections: { name: 'http.client.open_connections', kind: 'updown', unit: '{connection}', description: 'Number of outbound HTTP connections that are currently active or idle on the client.', attributes: ['http.connection.state', ...PEER, 'network.protocol.version'] },
  clientConnectionDuration: { name: 'http.client.connection.duration', kind: 'histogram', unit: 's', description: 'The duration of the successfully established outbound HTTP connections.', attributes: [...PEER, 'network.protocol.version'], buckets: CONNECTION },
  serverRequestDuration: { name: 'http.server.request.duration', kind: 'histogram', unit: 's', description: 'Duration of HTTP server requests.', attributes: ['http.request.method', 'url.scheme', 'network.protocol.version', 'http.response.status_code', 'error.type'], buckets: DURATION },
  serverActiveRequests: { name: 'http.server.active_requests', kind: 'updown', unit: '{request}', description: 'Number of active HTTP server requests.', attributes: [] },
  dnsLookupDuration: { name: 'dns.lookup.duration', kind: 'histogram', unit: 's', description: 'Measures the time taken to perform a DNS lookup.', attributes: ['dns.question.name', 'error.type'], buckets: DURATION },
  // connscope's own facts, client side
  clientPhaseDuration: { name: 'connscope.http.client.phase.duration', kind: 'histogram', unit: 's', description: 'Time each HTTP client request spent in each phase (blocked, dns, connect, tls, send, wait, receive); a phase a request did not go through is not recorded.', attributes: ['connscope.phase', ...PEER], buckets: PHASE },
  clientRequests: { name: 'connscope.http.client.requests', kind: 'counter', unit: '{request}', description: 'HTTP client requests, on a new or a reused connection.', attributes: ['connscope.connection.reused', ...PEER] },
  clientConnections: { name: 'connscope.http.client.connections', kind: 'counter', unit: '{connection}', description: 'Outbound connections established.', attributes: [...PEER, 'network.protocol.version'] },
  clientHandshakes: { name: 'connscope.tls.client.handshakes', kind: 'counter', unit: '{handshake}', description: 'TLS handshakes of outbound connections, full or resumed.', attributes: ['connscope.tls.handshake', 'server.address', 'server.port'] },
  clientCloses: { name: 'connscope.http.client.connection.closes', kind: 'counter', unit: '{connection}', description: 'Outbound connections closed, by the side that closed them and the reason.', attributes: [...CLOSE, ...PEER] },
  // connscope's own facts, server side (OpenTelemetry has no server-side connection metrics)
  serverRequests: { name: 'connscope.http.server.requests', kind: 'counter', unit: '{request}', description: 'HTTP server requests, on a new or a reused connection.', attributes: ['connscope.connection.reused'] },
  serverConnections: { name: 'connscope.http.server.connections', kind: 'counter', unit: '{connection}', description: 'Connections the servers accepted.', attributes: [] },
  serverOpenConnections: { name: 'connscope.http.server.open_connections', kind: 'updown', unit: '{connection}', description: 'Connections open on the servers, active (a request in progress) or idle (kept alive).', attributes: ['http.connection.state'] },
  serverConnectionDuration: { name: 'connscope.http.server.connection.duration', kind: 'histogram', unit: 's', description: 'Lifetime of server connections, accept to close.', attributes: [], buckets: CONNECTION },
  serverRequestsPerConnection: { name: 'connscope.http.server.requests_per_connection', kind: 'histogram', unit: '{request}', description: 'Requests served per connection before it closed (keep-alive reuse as the server sees it).', attributes: [], buckets: PER_CONNECTION },
  serverCloses: { name: 'connscope.http.server.connection.closes', kind: 'counter', unit: '{connection}', description: 'Server connections closed, by the side that closed them and the reason.', attributes: CLOSE },
  serverHandshakes: { name: 'connscope.tls.server.handshakes', kind: 'counter', unit: '{handshake}', description: 'TLS handshakes completed by the servers, full or resumed.', attributes: ['connscope.tls.handshake'] },
  serverHandshakeDuration: { name: 'connscope.tls.server.handshake.duration', kind: 'histogram', unit: 's', description: 'TLS handshake duration on the servers, accept to secure.', attributes: ['connscope.tls.handshake'], buckets: HANDSHAKE },
  // diagnosis
  findings: { name: 'connscope.findings', kind: 'gauge', unit: '{finding}', description: 'Findings of the last diagnosis of this process: 1 while a finding holds, 0 once it no longer does.', attributes: ['connscope.finding.id', 'connscope.finding.severity'] },
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;

/** The Prometheus name of a metric, as OpenTelemetry's Prometheus exporters write it. */
export function promName(def: MetricDef): string {
  let name = def.name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (def.unit === 's') name += '_seconds';
  if (def.kind === 'counter') name += '_total';
  return name;
}

/** The Prometheus label name of an attribute key. */
export function promLabel(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}
