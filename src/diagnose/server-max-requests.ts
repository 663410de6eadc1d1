import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

/**
 * The server closes a connection after N requests (measured by probe --max-requests, or seen as
 * connections closed with reason server-max-requests, or announced in `Keep-Alive: max=N`).
 */
export const serverMaxRequests: Rule = {
  id: 'server-max-requests',
  evaluate({ session }) {
    const conns = [...session.connections.values()] as ConnectionRecord[];
    const measured = session.facts.maxRequestsPerConnection;
    const closedAtMax = conns.filter((c) => c.close?.reason === 'server-max-requests');
    const hinted = conns.map((c) => c.keepAliveHint?.max).find((m): m is number => m !== undefined);
    const n = measured ?? (closedAtMax.length ? Math.max(...closedAtMax.map((c) => c.requests)) : undefined);
    if (n === undefined || n < 2) return undefined;
    return finding('server-max-requests', {
      evidence: {
        maxRequestsPerConnection: n,
        source: measured !== undefined ? 'measured' : 'connection-closes',
        keepAliveMaxHint: hinted ?? null,
        connectionsClosedAtLimit: closedAtMax.length,
      },
      fix: {
        summary: `Every ${n} requests the client pays a new handshake, and a request racing the close can fail; raise the limit or retry idempotent requests.`,
        nodeHttp: 'retry idempotent requests that fail with ECONNRESET on req.reusedSocket; keepAlive: true stays right',
        undici: 'undici retries idempotent requests on a closed keep-alive socket; use the RetryAgent / interceptors.retry() for the rest',
        fetch: 'fetch through an undici Agent composed with interceptors.retry()',
        server: `raise the limit (Node: server.maxRequestsPerSocket, default unlimited; nginx: keepalive_requests, default 1000) — now ${n}`,
      },
    });
  },
};
