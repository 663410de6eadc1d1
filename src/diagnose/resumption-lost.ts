import { resumptionEarlyLate } from '../model/accumulator.js';
import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

function tlsConnections(connections: Iterable<ConnectionRecord>): ConnectionRecord[] {
  return [...connections].filter((c) => c.tls).sort((a, b) => a.openedAt - b.openedAt);
}

/** Resumption early/late from the records, in the order the connections opened (model/accumulator.ts). */
function earlyLate(connections: Iterable<ConnectionRecord>): { early: number; late: number; handshakes: number } | undefined {
  return resumptionEarlyLate(tlsConnections(connections).map((c) => c.tls!.resumed));
}

/**
 * The client's reuse pattern: median time (s) between one new TLS connection and the next over the last third of
 * the run. A session is offered on the next new connection, so a gap above the server's ticket lifetime means the
 * session has expired by then and the server does a full handshake.
 */
function lateGapSec(connections: Iterable<ConnectionRecord>): number | null {
  const tls = tlsConnections(connections);
  if (tls.length < 4) return null;
  const late = tls.slice(tls.length - Math.max(2, Math.floor(tls.length / 3)) - 1);
  const gaps = late.slice(1).map((c, i) => c.openedAt - late[i]!.openedAt).sort((a, b) => a - b);
  return Math.round(gaps[Math.floor(gaps.length / 2)]!) / 1000;
}

export const resumptionLost: Rule = {
  id: 'resumption-lost',
  evaluate(ctx) {
    const t = ctx.session.facts.tls;
    const measured = t?.resumptionRateEarly !== undefined && t.resumptionRateLate !== undefined
      ? { early: t.resumptionRateEarly, late: t.resumptionRateLate, handshakes: null as number | null }
      : earlyLate(ctx.session.connections.values());
    if (!measured) return undefined;
    // resumption worked at first and then mostly stopped
    if (measured.early < 0.5 || measured.late > measured.early * 0.5) return undefined;
    const lifetime = t?.ticketLifetimeSec ?? null;
    const gap = lateGapSec(ctx.session.connections.values());
    const expired = lifetime !== null && gap !== null && gap > lifetime;
    return finding('resumption-lost', {
      evidence: {
        resumptionRateEarly: Math.round(measured.early * 1000) / 1000,
        resumptionRateLate: Math.round(measured.late * 1000) / 1000,
        handshakes: measured.handshakes,
        clientSessionCacheSize: t?.clientSessionCacheSize ?? null,
        ticketLifetimeSec: lifetime,
        lateNewConnectionGapSec: gap,
        sessionsExpireBeforeReuse: lifetime !== null && gap !== null ? expired : null,
      },
      fix: {
        summary: expired
          ? `TLS session resumption worked at the start and then stopped: new connections came ${gap} s apart, longer than the ${lifetime} s the server's session tickets live, so every cached session had expired by the next connection. Keep connections alive longer (fewer new ones), or raise the server's ticket lifetime.`
          : 'TLS session resumption worked at the start and then stopped: session tickets became invalid (ticket keys rotated or differing between servers) or the client session cache was evicted.',
        nodeHttp: 'new https.Agent({ keepAlive: true, maxCachedSessions: 100 }) shared by all requests',
        undici: 'new Agent({ connect: { maxCachedSessions: 100 } }) shared by all requests',
        fetch: 'one shared dispatcher (its session cache lives in the Agent)',
        server: expired
          ? 'raise the ticket lifetime above the gap between a client\'s connections (Node: sessionTimeout; nginx: ssl_session_timeout) and keep idle connections open longer (keepAliveTimeout / keepalive_timeout)'
          : 'share session-ticket keys across instances and rotate them with overlap (server.setTicketKeys with the previous key still accepted), not per connection',
      },
    });
  },
};
