import { ownTime, totalStall } from '../model/stall.js';
import { finding, type Rule } from './engine.js';

export const h2StreamLimit: Rule = {
  id: 'h2-stream-limit',
  evaluate(ctx) {
    const { facts, requests } = ctx.session;
    const queued = facts.http2?.streamsQueued ?? 0;
    if (queued === 0) return undefined;
    let h2 = 0;
    let blocked = 0;
    let total = 0;
    for (const r of requests) {
      if (r.httpVersion !== '2.0' && r.source !== 'http2') continue;
      h2++;
      // own time: queueing behind a stalled loop is not the stream limit (model/stall.ts)
      blocked += ownTime(r.phases.blocked ?? 0, r.stalls?.blocked);
      total += ownTime(r.phases.total, totalStall(r.stalls));
    }
    const share = facts.blockedShare ?? (total > 0 ? blocked / total : undefined);
    if (share === undefined || share < ctx.thresholds.poolBlockedShare) return undefined;
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
