import type { Session } from '../model/session.js';

/** What a lab run measured, the numbers the before/after comparison is made on. */
export interface RunMetrics {
  requests: number;
  /** Requests that got a response below 500. */
  ok: number;
  /** Errors plus 5xx responses: what the caller experienced as failure. */
  failures: number;
  errors: number;
  errorsOnReusedSockets: number;
  /** Responses with a 5xx status (a proxy's 502s). */
  serverErrors: number;
  /** Share of requests on a reused connection (0..1); null without requests. */
  reuseRate: number | null;
  /** Connections the client opened (from the trace). */
  connections: number;
  /** Connections the server accepted (its own count). */
  serverConnections: number;
  fullHandshakes: number;
  resumedHandshakes: number;
  /** Request total time percentiles (ms); null without requests. */
  p50: number | null;
  p99: number | null;
  /** Median TLS establishment time of the connections (ms). */
  tlsP50: number | null;
  /** Bytes of certificates the server sent, per full handshake (largest seen). */
  chainBytes: number | null;
  /** Wait (server time + RTT) median and p99 (ms). */
  waitP50: number | null;
  waitP99: number | null;
  /** Share of request time spent queued for a connection (0..1). */
  blockedShare: number | null;
  durationMs: number;
}

export type MetricKey = Exclude<keyof RunMetrics, 'durationMs'>;

/** The lab's numbers, read from the session's stats (model/accumulator.ts) plus what only the lab counts. */
export function metricsOf(session: Session, serverConnections: number, durationMs: number): RunMetrics {
  const acc = session.accumulator();
  const stats = acc.sessionStats();
  let serverErrors = 0;
  for (const r of session.requests) if (!r.error && r.status !== undefined && r.status >= 500) serverErrors++;
  let chainBytes: number | null = null;
  for (const c of session.connections.values()) {
    const bytes = c.tls?.chain?.bytes;
    if (bytes !== undefined && !c.tls?.resumed) chainBytes = Math.max(chainBytes ?? 0, bytes);
  }
  return {
    requests: stats.requests,
    ok: stats.requests - stats.errors - serverErrors,
    failures: stats.errors + serverErrors,
    errors: stats.errors,
    errorsOnReusedSockets: stats.errorsOnReusedSockets,
    serverErrors,
    reuseRate: stats.reuseRate,
    connections: stats.connections,
    serverConnections,
    fullHandshakes: stats.handshakes.full,
    resumedHandshakes: stats.handshakes.resumed,
    p50: stats.phases.total?.p50 ?? null,
    p99: stats.phases.total?.p99 ?? null,
    tlsP50: acc.establishment('tls')?.p50 ?? null,
    chainBytes,
    waitP50: stats.phases.wait?.p50 ?? null,
    waitP99: stats.phases.wait?.p99 ?? null,
    blockedShare: stats.blockedShare,
    durationMs,
  };
}
