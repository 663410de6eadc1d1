import { PHASE_NAMES, type PhaseName } from '../model/phases.js';
import type { ConnectionRecord } from '../model/connection.js';
import type { ProbeResult } from '../probe/types.js';
import { schemaHeader } from './schema.js';

type Nullable<T> = { [K in keyof T]: T[K] | null };

export interface ProbeJsonRequest {
  index: number;
  kind: 'series' | 'resumption';
  connectionId: string | null;
  reused: boolean;
  requestIndexOnConnection: number | null;
  idleBeforeMs: number | null;
  status: number | null;
  httpVersion: string | null;
  phases: Nullable<Record<PhaseName, number>> & { total: number };
  error: { code: string; message: string; layer: string } | null;
  eventLoopDelayMs: number | null;
  /** Event-loop stall time inside each phase (only phases a stall overlapped); null when none did. */
  stalls: Partial<Record<PhaseName, number>> | null;
}

/** `--json` of `connscope probe` (schema: docs/probe-schema.json). Absent measurements are null. */
export function probeToJson(r: ProbeResult): Record<string, unknown> {
  return {
    ...schemaHeader('probe'),
    url: r.url,
    remoteAddress: r.remoteAddress,
    startedAt: r.startedAt,
    durationMs: round(r.durationMs),
    insecure: r.insecure,
    requests: r.requests.map((q, i): ProbeJsonRequest => ({
      index: i + 1,
      kind: r.requestKinds[i] ?? 'series',
      connectionId: q.connectionId ?? null,
      reused: q.reused,
      requestIndexOnConnection: q.requestIndexOnConnection ?? null,
      idleBeforeMs: roundOrNull(q.idleBeforeMs),
      status: q.status ?? null,
      httpVersion: q.httpVersion ?? null,
      phases: phasesJson(q.phases),
      error: q.error ? { code: q.error.code, message: q.error.message, layer: q.error.layer } : null,
      eventLoopDelayMs: roundOrNull(q.eventLoopDelayMs),
      stalls: q.stalls ?? null,
    })),
    connections: r.connections.map(connectionJson),
    tls: r.tls,
    keepAlive: r.keepAlive,
    http2: r.http2,
    matrix: r.matrix?.map((m) => ({ ...m, handshakeMs: roundOrNull(m.handshakeMs ?? undefined) })) ?? null,
    findings: r.findings,
    error: r.error,
  };
}

function phasesJson(p: ProbeResult['requests'][number]['phases']): ProbeJsonRequest['phases'] {
  const out = {} as ProbeJsonRequest['phases'];
  for (const n of PHASE_NAMES) out[n] = roundOrNull(p[n]);
  out.total = round(p.total);
  return out;
}

function connectionJson(c: ConnectionRecord): Record<string, unknown> {
  return {
    id: c.id,
    protocol: c.protocol,
    reused: c.requests > 1,
    requests: c.requests,
    remoteAddress: c.remoteAddress ?? null,
    remotePort: c.remotePort ?? null,
    establishment: { dns: roundOrNull(c.establishment.dns), connect: roundOrNull(c.establishment.connect), tls: roundOrNull(c.establishment.tls), total: round(c.establishment.total) },
    tls: c.tls
      ? { version: c.tls.version ?? null, cipher: c.tls.cipher ?? null, alpn: typeof c.tls.alpn === 'string' ? c.tls.alpn : null, resumed: c.tls.resumed }
      : null,
    idle: { count: c.idle.count, maxMs: round(c.idle.maxMs) },
    close: c.close ? { closedBy: c.close.closedBy, reason: c.close.reason } : null,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function roundOrNull(n: number | undefined): number | null {
  return n === undefined || !Number.isFinite(n) ? null : round(n);
}
