import { PHASE_NAMES, type PhaseName } from './phases.js';
import type { ConnectionRecord } from './connection.js';
import type { RequestTrace } from './request.js';

export interface Distribution {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface SessionStats {
  requests: number;
  errors: number;
  errorsOnReusedSockets: number;
  connections: number;
  /** Share of requests that ran on a reused connection (0..1); null without requests. */
  reuseRate: number | null;
  requestsPerConnection: { mean: number; max: number } | null;
  connectionsPerOrigin: Record<string, number>;
  handshakes: { full: number; resumed: number };
  /** Distribution of each phase over the requests where it is present. */
  phases: Partial<Record<PhaseName | 'total', Distribution>>;
  closes: Record<string, number>;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function distribution(values: number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of s) sum += v;
  return {
    count: s.length,
    mean: sum / s.length,
    min: s[0]!,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1]!,
  };
}

export function computeStats(connections: Iterable<ConnectionRecord>, requests: readonly RequestTrace[]): SessionStats {
  const conns = [...connections];
  const perOrigin: Record<string, number> = {};
  const closes: Record<string, number> = {};
  let full = 0;
  let resumed = 0;
  let served = 0;
  let maxServed = 0;
  for (const c of conns) {
    perOrigin[c.origin] = (perOrigin[c.origin] ?? 0) + 1;
    if (c.tls?.resumed) resumed++;
    else if (c.tls) full++;
    if (c.close) {
      const key = `${c.close.closedBy}:${c.close.reason}`;
      closes[key] = (closes[key] ?? 0) + 1;
    }
    served += c.requests;
    if (c.requests > maxServed) maxServed = c.requests;
  }
  let errors = 0;
  let errorsReused = 0;
  let reused = 0;
  const phaseValues: Record<string, number[]> = { total: [] };
  for (const n of PHASE_NAMES) phaseValues[n] = [];
  for (const r of requests) {
    if (r.error) {
      errors++;
      if (r.error.onReusedSocket) errorsReused++;
    }
    if (r.reused) reused++;
    for (const n of PHASE_NAMES) {
      const v = r.phases[n];
      if (v !== undefined) phaseValues[n]!.push(v);
    }
    phaseValues.total!.push(r.phases.total);
  }
  const phases: SessionStats['phases'] = {};
  for (const [k, v] of Object.entries(phaseValues)) {
    const d = distribution(v);
    if (d) phases[k as PhaseName | 'total'] = d;
  }
  return {
    requests: requests.length,
    errors,
    errorsOnReusedSockets: errorsReused,
    connections: conns.length,
    reuseRate: requests.length ? reused / requests.length : null,
    requestsPerConnection: conns.length ? { mean: served / conns.length, max: maxServed } : null,
    connectionsPerOrigin: perOrigin,
    handshakes: { full, resumed },
    phases,
    closes,
  };
}
