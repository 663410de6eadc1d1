import type { RequestTrace } from '../model/request.js';
import { finding, type Rule } from './engine.js';

/** Errors meaning the connection went away under the request. */
const CLOSED_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** True when two requests were in flight on one connection at once (pipelined), from the records alone. */
function overlapped(requests: readonly RequestTrace[]): boolean {
  const byConn = new Map<string, RequestTrace[]>();
  for (const r of requests) {
    if (!r.connectionId || r.source === 'server' || r.httpVersion === '2.0') continue;
    let list = byConn.get(r.connectionId);
    if (!list) byConn.set(r.connectionId, (list = []));
    list.push(r);
  }
  for (const list of byConn.values()) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      // the next request was written before the previous response finished
      const curSent = cur.startedAt + (cur.phases.blocked ?? 0) + (cur.phases.send ?? 0);
      if (curSent < prev.startedAt + prev.phases.total - 0.5 && cur.connectionId === prev.connectionId) return true;
    }
  }
  return false;
}

/**
 * HTTP/1.1 pipelining writes requests before earlier responses arrive; when the server closes
 * the connection (a request cap, an idle close, a restart) the requests written behind the last
 * answer are lost, and the client cannot know whether the server processed them.
 */
export const pipeliningLostRequests: Rule = {
  id: 'pipelining-lost-requests',
  evaluate(ctx) {
    const { facts } = ctx.session;
    const requests = ctx.session.requests.filter((r) => r.source !== 'server');
    const lost = requests.filter((r) => r.error && CLOSED_CODES.has(r.error.code));
    if (lost.length === 0) return undefined;
    const depth = facts.pipelining;
    if (!(depth !== undefined ? depth > 1 : overlapped(requests))) return undefined;
    const conns = new Set(lost.map((r) => r.connectionId).filter((id): id is string => id !== undefined));
    let closedByServer = 0;
    let served = 0;
    for (const id of conns) {
      const c = ctx.session.connections.get(id);
      if (c?.close?.closedBy === 'server') closedByServer++;
      if (c) served = Math.max(served, c.requests);
    }
    return finding('pipelining-lost-requests', {
      evidence: {
        lostRequests: lost.length,
        requests: requests.length,
        pipelining: depth ?? null,
        connectionsAffected: conns.size,
        closedByServer,
        maxRequestsServedBeforeClose: served || null,
      },
      fix: {
        summary: `${lost.length} pipelined requests died with their connection: turn pipelining off (one request in flight per connection) and use more connections, or HTTP/2, for parallelism.`,
        undici: 'new Pool(origin, { pipelining: 1, connections: N }) (1 is the default); use allowH2 for multiplexing',
        nodeHttp: 'node:http never pipelines; raise maxSockets for parallelism',
        fetch: 'fetch does not pipeline unless its dispatcher sets `pipelining` > 1: keep it at 1',
        server: 'announce the last response with `Connection: close` (so clients stop writing) rather than closing silently',
      },
    });
  },
};
