import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

/** A new connection offered a cached TLS session and the server did a full handshake anyway. */
export const noSessionResumption: Rule = {
  id: 'no-session-resumption',
  evaluate({ session }) {
    const t = session.facts.tls;
    if (!t?.resumptionAttempted || t.resumptionSupported !== false) return undefined;
    const tlsConns = ([...session.connections.values()] as ConnectionRecord[]).filter((c) => c.tls);
    // the server sends TLS 1.3 tickets after every handshake and refuses each one offered back: stateful tickets
    // with no session cache to look them up in
    const unhonoured = t.ticketsNotHonoured === true && tlsConns[0]?.tls?.version === 'TLSv1.3';
    return finding('no-session-resumption', {
      ...(unhonoured ? { title: 'The server issues TLS 1.3 session tickets it never accepts' } : {}),
      evidence: {
        ticketsIssuedNotHonoured: unhonoured,
        ticketLifetimeSec: t.ticketLifetimeSec ?? null,
        fullHandshakeMs: t.fullHandshakeMs ?? null,
        resumedHandshakeMs: t.resumedHandshakeMs ?? null,
        tlsConnections: tlsConns.length,
        resumedConnections: tlsConns.filter((c) => c.tls?.resumed).length,
        tlsVersion: tlsConns[0]?.tls?.version ?? null,
      },
      fix: {
        summary: unhonoured
          ? 'The server sends a session ticket after every handshake and does a full handshake when a client offers it back: its tickets are stateful (a session id) and it keeps no session cache to find them in. Every new connection pays a full handshake; turn on ticket encryption or a session cache on the server.'
          : 'Every new connection pays a full TLS handshake; enable session tickets (or a session cache) on the server and keep one client pool.',
        nodeHttp: 'one shared https.Agent (maxCachedSessions: 100 by default) — a new Agent per request loses the cache',
        undici: 'one shared Agent/Pool (connect.maxCachedSessions: 100 by default)',
        fetch: 'one shared dispatcher; the global one is fine',
        server: unhonoured
          ? 'nginx: ssl_session_tickets on, or ssl_session_cache shared:SSL:10m (with both off it still sends TLS 1.3 tickets it cannot honour); Node: do not set SSL_OP_NO_TICKET (its stateful TLS 1.3 tickets are never found: Node keeps no internal session cache, and newSession/resumeSession handlers do not serve TLS 1.3 either)'
          : 'Node: do not set SSL_OP_NO_TICKET; share ticketKeys across instances behind a load balancer; nginx: ssl_session_tickets on; ssl_session_cache shared:SSL:10m',
      },
    });
  },
};
