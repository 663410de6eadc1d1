import { finding, type Rule } from './engine.js';

/** The series must span at least this many samples to call it a trend. */
const MIN_SAMPLES = 3;
/** Open sockets must grow by at least this many ... */
const MIN_GROWTH = 5;
/** ... and at least by this factor over the starting level. */
const MIN_FACTOR = 2;
const MAX_FINDINGS = 5;

/**
 * Open sockets per origin keep rising while concurrency does not: sockets are taken and never returned
 * (bodies not read, pools not closed, a pool per request). Reads facts.socketSamples.
 */
export const socketsGrowing: Rule = {
  id: 'sockets-growing',
  evaluate(ctx) {
    const samples = ctx.session.facts.socketSamples ?? {};
    const found = [];
    for (const [origin, series] of Object.entries(samples)) {
      if (series.length < MIN_SAMPLES) continue;
      // compare the first and last thirds so one noisy sample cannot make or break the trend
      const k = Math.max(1, Math.floor(series.length / 3));
      const head = series.slice(0, k);
      const tail = series.slice(-k);
      const openStart = Math.min(...head.map((s) => s.open));
      const openEnd = Math.min(...tail.map((s) => s.open));
      const inflightStart = Math.max(...head.map((s) => s.inflight));
      const inflightEnd = Math.max(...tail.map((s) => s.inflight));
      const growth = openEnd - openStart;
      if (growth < MIN_GROWTH || openEnd < MIN_FACTOR * Math.max(openStart, 1)) continue;
      // open sockets that track concurrency are load, not a leak
      if (inflightEnd - inflightStart >= growth / 2) continue;
      found.push({
        origin,
        openStart,
        openEnd,
        inflightStart,
        inflightEnd,
        samples: series.length,
        windowMs: Math.round(series[series.length - 1]!.atMs - series[0]!.atMs),
      });
    }
    found.sort((a, b) => b.openEnd - b.openStart - (a.openEnd - a.openStart));
    return found.slice(0, MAX_FINDINGS).map((f) =>
      finding('sockets-growing', {
        evidence: f,
        fix: {
          summary: `Open sockets to ${f.origin} grew from ${f.openStart} to ${f.openEnd} in ${f.windowMs} ms while in-flight requests went from ${f.inflightStart} to ${f.inflightEnd}: sockets are taken and never given back.`,
          nodeHttp: 'reuse one keep-alive Agent, consume or res.resume() every response, cap it with maxSockets and maxFreeSockets',
          undici: 'reuse one Pool/Agent (connections: N), dump every body, close() pools you create',
          fetch: 'one shared dispatcher; read or cancel every response body',
          server: 'if the growth is in CLOSE_WAIT on the server (`connscope sockets --port N`), the application is not closing sockets the client already closed',
        },
      }),
    );
  },
};
