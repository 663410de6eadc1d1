import type { RequestTrace } from '../model/request.js';
import { ownTime, totalStall } from '../model/stall.js';
import { finding, type Rule } from './engine.js';

/** Share of total request time spent blocked, from the requests when no source measured it. */
function blockedShareOf(requests: readonly RequestTrace[]): { share: number; p99: number } | undefined {
  let blocked = 0;
  let total = 0;
  const values: number[] = [];
  for (const r of requests) {
    // own time: a request queued behind a stalled loop did not wait for the pool (model/stall.ts)
    total += ownTime(r.phases.total, totalStall(r.stalls));
    if (r.phases.blocked !== undefined) {
      const own = ownTime(r.phases.blocked, r.stalls?.blocked);
      blocked += own;
      values.push(own);
    }
  }
  if (values.length < 10 || total <= 0) return undefined;
  values.sort((a, b) => a - b);
  return { share: blocked / total, p99: values[Math.min(values.length - 1, Math.ceil(values.length * 0.99) - 1)]! };
}

export const poolExhausted: Rule = {
  id: 'pool-exhausted',
  evaluate(ctx) {
    const { facts, requests } = ctx.session;
    // HTTP/2 queueing behind the stream limit is h2-stream-limit, not a pool of sockets
    if (facts.http2?.used) return undefined;
    const measured = blockedShareOf(requests);
    const share = facts.blockedShare ?? measured?.share;
    if (share === undefined || share < ctx.thresholds.poolBlockedShare) return undefined;
    // a pool as large as the work in flight cannot make requests queue unless sockets are held by unread bodies;
    // the wait then comes from a busy event loop, not from the pool
    if (facts.poolSize !== undefined && facts.concurrency !== undefined && facts.poolSize >= facts.concurrency && !facts.unconsumedBodies) return undefined;
    return finding('pool-exhausted', {
      evidence: {
        blockedShare: Math.round(share * 1000) / 1000,
        thresholdShare: ctx.thresholds.poolBlockedShare,
        poolSize: facts.poolSize ?? null,
        concurrency: facts.concurrency ?? null,
        blockedP99Ms: measured ? Math.round(measured.p99 * 10) / 10 : null,
        unconsumedBodies: facts.unconsumedBodies ?? null,
      },
      fix: {
        summary: 'Requests wait for a free connection: make the pool as large as the requests you run at once, or run fewer at once; check that every response body is read so sockets are released.',
        nodeHttp: 'new http.Agent({ keepAlive: true, maxSockets: <concurrency> }) (maxSockets defaults to Infinity, but a custom agent often sets it low)',
        undici: 'new Pool(origin, { connections: <concurrency> }) or new Agent({ connections: <concurrency> }); or pipelining: 2..10 when the server allows it',
        fetch: 'fetch(url, { dispatcher: new Agent({ connections: <concurrency> }) }) and always consume or cancel res.body',
      },
    });
  },
};
