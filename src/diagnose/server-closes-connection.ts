import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

/**
 * The server ends every connection after one response (`Connection: close`, or a close right after it),
 * so every request pays DNS + TCP + TLS again. A connection that served more than one request is the
 * server-max-requests rule's business, not this one.
 */
export const serverClosesConnection: Rule = {
  id: 'server-closes-connection',
  evaluate({ session }) {
    const conns = [...session.connections.values()] as ConnectionRecord[];
    const closedAfterOne = conns.filter(
      (c) => c.requests === 1 && c.close?.closedBy === 'server' && c.close.reason === 'server-connection-close',
    ).length;
    const closeHeaders = session.requests.filter((r) => r.responseHeaders?.connection?.toLowerCase() === 'close').length;
    const kept = session.facts.serverKeptConnection;
    const multi = conns.some((c) => c.requests > 1);
    if (kept !== false && (multi || closedAfterOne < 2)) return undefined;
    if (kept === undefined && closedAfterOne === 0) return undefined;
    return finding('server-closes-connection', {
      evidence: {
        responsesWithConnectionClose: closeHeaders,
        connectionsClosedAfterOneRequest: closedAfterOne,
        connections: conns.length,
        requests: session.requests.length,
        serverKeptConnection: kept ?? null,
      },
      fix: {
        summary: 'The server ends each connection after its response; turn keep-alive on at the server (or the proxy in front of it).',
        nodeHttp: 'client side is already keep-alive with new http.Agent({ keepAlive: true }); nothing to gain until the server keeps connections',
        undici: 'nothing to set on the client: undici keeps connections open unless the server says Connection: close',
        fetch: 'same as undici: the server decides here',
        server: 'do not send `Connection: close`; Node: leave server.keepAliveTimeout > 0 (default 5000); nginx: keepalive_timeout 65s; check proxies that add Connection: close',
      },
    });
  },
};
