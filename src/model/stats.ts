import { StatsAccumulator, type SessionStats } from './accumulator.js';
import type { ConnectionRecord } from './connection.js';
import type { Facts } from './facts.js';
import type { RequestTrace } from './request.js';

export type { SessionStats } from './accumulator.js';

/** Nearest-rank percentile of an ascending array (exact; the summaries read a DurationHistogram instead). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The stats of a set of records, as `Session.stats()` computes them (one StatsAccumulator). */
export function computeStats(connections: Iterable<ConnectionRecord>, requests: readonly RequestTrace[], facts?: Facts): SessionStats {
  return StatsAccumulator.of(connections, requests, facts).sessionStats();
}
