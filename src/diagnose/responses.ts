import type { Facts } from '../model/facts.js';
import type { RequestTrace } from '../model/request.js';

/** What a proxy answers when its upstream failed: bad gateway, unavailable, gateway timeout. */
export const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

export interface ResponseCounts {
  /** Responses with a status (requests that failed without one are not responses). */
  total: number;
  /** Count per status code. */
  byStatus: Record<string, number>;
  /** Whether the counts cover every response (a source's exact counters) or only the recorded requests. */
  exact: boolean;
}

/**
 * Responses by status: the source's exact counters when it kept them (bench counts every response
 * while its session keeps a bounded sample of requests), else a count over the recorded requests.
 */
export function responseCounts(session: { requests: readonly RequestTrace[]; facts: Facts }): ResponseCounts {
  const exact = session.facts.statusCounts;
  if (exact) {
    let total = 0;
    for (const n of Object.values(exact)) total += n;
    return { total, byStatus: { ...exact }, exact: true };
  }
  const byStatus: Record<string, number> = {};
  let total = 0;
  for (const r of session.requests) {
    if (r.status === undefined) continue;
    total++;
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  }
  return { total, byStatus, exact: false };
}

/** Sum of the counts of statuses from..to (inclusive). */
export function countRange(c: ResponseCounts, from: number, to: number): number {
  let n = 0;
  for (const [status, count] of Object.entries(c.byStatus)) {
    const s = Number(status);
    if (s >= from && s <= to) n += count;
  }
  return n;
}

/** '502×9 503×1' for the statuses in from..to, most frequent first. */
export function formatStatuses(c: ResponseCounts, from: number, to: number): string {
  return Object.entries(c.byStatus)
    .filter(([s]) => Number(s) >= from && Number(s) <= to)
    .sort((a, b) => b[1] - a[1])
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
}
