import type { RequestTrace } from '../model/request.js';

/**
 * How long each request's origin had been idle when it started: from the end of the latest earlier
 * request to that origin (0 when one was still in flight). A proxy's upstream connections are
 * shared by all of its clients' requests, so the origin's quiet time is what lets them go stale;
 * the first request seen on an origin falls back to its connection's `idleBeforeMs` (absent when
 * it opened a connection), which also caps the origin gap of a request that reused a connection.
 * Server-side records are left out: they are the server's own view.
 */
export function idleGapsBefore(requests: readonly RequestTrace[]): Map<RequestTrace, number> {
  const byOrigin = new Map<string, RequestTrace[]>();
  for (const r of requests) {
    if (r.source === 'server') continue;
    let list = byOrigin.get(r.origin);
    if (!list) byOrigin.set(r.origin, (list = []));
    list.push(r);
  }
  const gaps = new Map<RequestTrace, number>();
  for (const list of byOrigin.values()) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    let lastEnd: number | undefined;
    for (const r of list) {
      // the origin is never idler than the connection a request reused: that exact gap caps one
      // computed across holes in the records (sampling, a session keeping only recent and slow ones)
      const connectionGap = r.reused && r.idleBeforeMs !== undefined ? r.idleBeforeMs : undefined;
      if (lastEnd !== undefined) gaps.set(r, Math.min(Math.max(0, r.startedAt - lastEnd), connectionGap ?? Infinity));
      else if (connectionGap !== undefined) gaps.set(r, connectionGap);
      const end = r.startedAt + r.phases.total;
      if (lastEnd === undefined || end > lastEnd) lastEnd = end;
    }
  }
  return gaps;
}
