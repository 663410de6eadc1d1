import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

/** The server selects h2 when offered, yet every connection ran HTTP/1.1. */
export const h2AvailableNotUsed: Rule = {
  id: 'h2-available-not-used',
  evaluate({ session }) {
    const h2 = session.facts.http2;
    if (h2?.supported !== true) return undefined;
    const conns = [...session.connections.values()] as ConnectionRecord[];
    if (h2.used || conns.some((c) => c.protocol === 'h2')) return undefined;
    const h1 = conns.filter((c) => c.protocol === 'http/1.1').length;
    if (h1 === 0) return undefined;
    return finding('h2-available-not-used', {
      evidence: {
        http1Connections: h1,
        serverMaxConcurrentStreams: h2.maxConcurrentStreams ?? null,
      },
      fix: {
        summary: 'HTTP/2 would multiplex concurrent requests over one connection instead of opening one per in-flight request.',
        nodeHttp: 'node:https is HTTP/1.1 only; http2.connect(origin) and session.request() for HTTP/2',
        undici: 'new Agent({ allowH2: true })',
        fetch: 'fetch(url, { dispatcher: new Agent({ allowH2: true }) })',
      },
    });
  },
};
