import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

/** A new connection offered a cached TLS session and the server did a full handshake anyway. */
export const noSessionResumption: Rule = {
  id: 'no-session-resumption',
  evaluate({ session }) {
    const t = session.facts.tls;
    if (!t?.resumptionAttempted || t.resumptionSupported !== false) return undefined;
    const tlsConns = ([...session.connections.values()] as ConnectionRecord[]).filter((c) => c.tls);
    return finding('no-session-resumption', {
      evidence: {
        fullHandshakeMs: t.fullHandshakeMs ?? null,
        resumedHandshakeMs: t.resumedHandshakeMs ?? null,
        tlsConnections: tlsConns.length,
        resumedConnections: tlsConns.filter((c) => c.tls?.resumed).length,
        tlsVersion: tlsConns[0]?.tls?.version ?? null,
      },
      fix: {
        summary: 'Every new connection pays a full TLS handshake; enable session tickets (or a session cache) on the server and keep one client pool.',
        nodeHttp: 'one shared https.Agent (maxCachedSessions: 100 by default) — a new Agent per request loses the cache',
        undici: 'one shared Agent/Pool (connect.maxCachedSessions: 100 by default)',
        fetch: 'one shared dispatcher; the global one is fine',
        server: 'Node: do not set SSL_OP_NO_TICKET; share ticketKeys across instances behind a load balancer; nginx: ssl_session_tickets on; ssl_session_cache shared:SSL:10m',
      },
    });
  },
};
