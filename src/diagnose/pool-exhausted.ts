import { finding, statsOf, type Rule } from './engine.js';

/** With fewer requests timed for their blocked phase than this, a share says nothing. */
const MIN_BLOCKED_REQUESTS = 10;

export const poolExhausted: Rule = {
  id: 'pool-exhausted',
  evaluate(ctx) {
    const { facts } = ctx.session;
    // HTTP/2 queueing behind the stream limit is h2-stream-limit, not a pool of sockets
    if (facts.http2?.used) return undefined;
    // own time, over every request the source counted (model/accumulator.ts)
    const stats = statsOf(ctx);
    const share = stats.blockedShare;
    const blocked = stats.phases.blocked;
    if (share === null || !blocked || blocked.count < MIN_BLOCKED_REQUESTS || share < ctx.thresholds.poolBlockedShare) return undefined;
    // a pool as large as the work in flight cannot make requests queue unless sockets are held by unread bodies;
    // the wait then comes from a busy event loop, not from the pool
    if (facts.poolSize !== undefined && facts.concurrency !== undefined && facts.poolSize >= facts.concurrency && !facts.unconsumedBodies) return undefined;
    return finding('pool-exhausted', {
      evidence: {
        blockedShare: Math.round(share * 1000) / 1000,
        thresholdShare: ctx.thresholds.poolBlockedShare,
        poolSize: facts.poolSize ?? null,
        concurrency: facts.concurrency ?? null,
        blockedP99Ms: Math.round(blocked.p99 * 10) / 10,
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
