import { finding, statsOf, type Rule } from './engine.js';

export const h2StreamLimit: Rule = {
  id: 'h2-stream-limit',
  evaluate(ctx) {
    const { facts, requests } = ctx.session;
    const queued = facts.http2?.streamsQueued ?? 0;
    if (queued === 0) return undefined;
    // own time, over every request the source counted, with the stream-slot wait a client measured
    // that its records do not show (model/accumulator.ts)
    const share = statsOf(ctx).blockedShare;
    if (share === null || share < ctx.thresholds.poolBlockedShare) return undefined;
    let h2 = 0;
    for (const r of requests) if (r.httpVersion === '2.0' || r.source === 'http2') h2++;
    let sessions = 0;
    for (const c of ctx.session.connections.values()) if (c.protocol === 'h2') sessions++;
    return finding('h2-stream-limit', {
      evidence: {
        maxConcurrentStreams: facts.http2?.maxConcurrentStreams ?? null,
        streamsQueued: queued,
        requests: h2,
        sessions,
        blockedShare: Math.round(share * 1000) / 1000,
        concurrency: facts.concurrency ?? null,
      },
      fix: {
        summary: 'More requests run at once than the HTTP/2 sessions allow streams: open more sessions or raise the server limit.',
        nodeHttp: 'node:http2: open several ClientHttp2Sessions and spread streams over them once one reaches remoteSettings.maxConcurrentStreams',
        undici: 'new Agent({ allowH2: true, connections: <sessions> }); undici opens more sessions when streams are at the limit (maxConcurrentStreams option caps the client side)',
        fetch: 'dispatcher: new Agent({ allowH2: true, connections: <sessions> })',
        server: 'raise SETTINGS_MAX_CONCURRENT_STREAMS (node:http2 settings.maxConcurrentStreams; nginx http2_max_concurrent_streams)',
      },
    });
  },
};
