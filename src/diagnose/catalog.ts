import type { Severity } from '../model/finding.js';

/** The finding catalog: ids are stable once shipped; docs/findings.md documents each. */
export const CATALOG = {
  'slow-dns': { severity: 'warn', title: 'DNS lookups are slow' },
  'dns-threadpool-saturated': { severity: 'warn', title: 'DNS lookups queue for the libuv threadpool' },
  'slow-connect': { severity: 'warn', title: 'TCP connects are slow' },
  'slow-tls': { severity: 'warn', title: 'TLS handshakes are slow' },
  'keepalive-disabled': { severity: 'warn', title: 'Keep-alive is off: every request opens a connection' },
  'server-closes-connection': { severity: 'warn', title: 'The server closes the connection after each response' },
  'server-max-requests': { severity: 'info', title: 'The server closes connections after a fixed number of requests' },
  'idle-timeout-race': { severity: 'error', title: "The client keeps idle connections longer than the server does" },
  'stale-socket-reset': { severity: 'error', title: 'Requests fail on reused sockets the server had closed' },
  'pool-exhausted': { severity: 'warn', title: 'Requests wait for a free connection in the pool' },
  'unconsumed-body': { severity: 'warn', title: 'Response bodies are never read, so their sockets stay taken' },
  'pool-per-request': { severity: 'warn', title: 'A new agent/pool is created per request' },
  'no-session-resumption': { severity: 'warn', title: 'TLS sessions are not resumed: every connection pays a full handshake' },
  'resumption-lost': { severity: 'warn', title: 'TLS resumption stopped working during the run' },
  'client-session-cache-off': { severity: 'warn', title: 'The client TLS session cache is off' },
  'long-cert-chain': { severity: 'warn', title: 'The certificate chain is long' },
  'alpn-no-overlap': { severity: 'error', title: 'Client and server share no ALPN protocol' },
  'tls-version-mismatch': { severity: 'error', title: 'Client and server share no TLS version' },
  'h2-available-not-used': { severity: 'info', title: 'The server offers HTTP/2 but the client uses HTTP/1.1' },
  'h2-goaway': { severity: 'warn', title: 'The server sends GOAWAY and sessions are re-established' },
  'h2-stream-limit': { severity: 'warn', title: 'HTTP/2 streams queue behind the max-concurrent-streams limit' },
  'idle-blackhole': { severity: 'error', title: 'Idle connections silently stop answering' },
  'tcp-keepalive-off': { severity: 'info', title: 'TCP keepalive is off on long-lived idle connections' },
  'event-loop-blocked': { severity: 'warn', title: 'A blocked event loop inflated measured latency' },
  'server-keepalive-below-lb': { severity: 'error', title: "The server's keepAliveTimeout is not above the load balancer's idle timeout" },
  'server-headers-timeout': { severity: 'warn', title: 'headersTimeout is not above keepAliveTimeout' },
  'server-request-timeout-missing': { severity: 'info', title: 'requestTimeout is off' },
  'no-ocsp-stapling': { severity: 'info', title: 'The server does not staple OCSP responses' },
  'pipelining-lost-requests': { severity: 'error', title: 'Pipelined requests were lost when the server closed the connection' },
  'h2-streams-reset': { severity: 'warn', title: 'The server resets HTTP/2 streams before answering them' },
  'no-request-completed': { severity: 'error', title: 'No request completed' },
  'sockets-growing': { severity: 'warn', title: 'Open sockets per origin keep growing' },
  'stale-upstream-5xx': { severity: 'error', title: 'A proxy answers 502/503/504 after idle periods: it reused upstream connections the backend had closed' },
  'server-errors': { severity: 'warn', title: 'The server answered with 5xx errors' },
  'legacy-tls-accepted': { severity: 'warn', title: 'The server still accepts TLS 1.0 or 1.1' },
  'cert-expires-soon': { severity: 'warn', title: 'The server certificate expires soon' },
  'long-ticket-lifetime': { severity: 'info', title: 'Session tickets are honoured for a long time' },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type FindingId = keyof typeof CATALOG;

export function docsAnchor(id: FindingId): string {
  return `docs/findings.md#${id}`;
}
