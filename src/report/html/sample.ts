import type { ConnectionRecord } from '../../model/connection.js';
import type { RequestTrace } from '../../model/request.js';

/** A lane: one connection (or the requests whose connection was never made / not kept). */
export interface Lane {
  key: string;
  connection?: ConnectionRecord;
  /** The requests drawn on it, in start order. */
  requests: RequestTrace[];
  /** Requests of this lane in the records that are not drawn. */
  hidden: number;
}

export interface LaneSample {
  lanes: Lane[];
  /** What was left out and how the lanes were chosen; null when everything is drawn. */
  sampled: string | null;
}

export interface SampleLimits {
  /** Most lanes drawn (default 24). */
  maxLanes?: number;
  /** Most request bars per lane (default 40). */
  maxBarsPerLane?: number;
  /** Most request bars in the chart (default 400): the per-lane cap shrinks to fit, so a page stays small. */
  maxBars?: number;
}

const NO_CONNECTION = '(no connection)';

/**
 * Chooses what the lanes draw. Small runs: every connection and request. Large runs: the lanes of
 * the failed requests, then of the slowest ones, and within a lane its failed and slowest requests,
 * so a page stays small and shows where the time went; `sampled` says what was chosen.
 */
export function sampleLanes(connections: readonly ConnectionRecord[], requests: readonly RequestTrace[], limits: SampleLimits = {}): LaneSample {
  const maxLanes = limits.maxLanes ?? 24;
  const perLane = limits.maxBarsPerLane ?? 40;
  const byKey = new Map<string, Lane>();
  for (const c of connections) byKey.set(c.id, { key: c.id, connection: c, requests: [], hidden: 0 });
  for (const r of requests) {
    const key = r.connectionId ?? NO_CONNECTION;
    let lane = byKey.get(key);
    if (!lane) byKey.set(key, (lane = { key, requests: [], hidden: 0 }));
    lane.requests.push(r);
  }
  const all = [...byKey.values()];
  let chosen = all;
  const notes: string[] = [];
  if (all.length > maxLanes) {
    const keys = new Set<string>();
    const failed = requests.filter((r) => r.error).length;
    for (const r of rankRequests(requests)) {
      if (keys.size >= maxLanes) break;
      keys.add(r.connectionId ?? NO_CONNECTION);
    }
    // lanes without requests (connections that only opened) fill what is left
    for (const l of all) if (keys.size < maxLanes) keys.add(l.key);
    chosen = all.filter((l) => keys.has(l.key));
    notes.push(`${chosen.length} of ${all.length} connection lanes: those that carried ${failed ? `the ${failed} failed and ` : ''}the slowest requests`);
  }
  const maxBars = Math.max(1, Math.min(perLane, Math.floor((limits.maxBars ?? 400) / Math.max(1, chosen.length))));
  let hiddenBars = 0;
  for (const lane of chosen) {
    if (lane.requests.length > maxBars) {
      const keep = new Set(rankRequests(lane.requests).slice(0, maxBars));
      lane.hidden = lane.requests.length - keep.size;
      hiddenBars += lane.hidden;
      lane.requests = lane.requests.filter((r) => keep.has(r));
    }
    lane.requests.sort((a, b) => a.startedAt - b.startedAt);
  }
  if (hiddenBars) notes.push(`a lane with more than ${maxBars} requests draws its ${maxBars} failed and slowest (${hiddenBars} bars left out)`);
  chosen.sort((a, b) => start(a) - start(b));
  return { lanes: chosen, sampled: notes.length ? `Showing ${notes.join('; ')}.` : null };
}

/** Failed requests first, then the slowest. */
function rankRequests(requests: readonly RequestTrace[]): RequestTrace[] {
  return [...requests].sort((a, b) => Number(Boolean(b.error)) - Number(Boolean(a.error)) || b.phases.total - a.phases.total);
}

function start(l: Lane): number {
  return Math.min(l.connection?.openedAt ?? Infinity, l.requests[0]?.startedAt ?? Infinity);
}
