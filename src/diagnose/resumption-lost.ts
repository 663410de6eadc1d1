import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

/** Resumption rate of the first and last third of the TLS handshakes (the first one excluded: nothing to resume yet). */
function earlyLate(connections: Iterable<ConnectionRecord>): { early: number; late: number; handshakes: number } | undefined {
  const tls = [...connections].filter((c) => c.tls).sort((a, b) => a.openedAt - b.openedAt).slice(1);
  if (tls.length < 6) return undefined;
  const third = Math.floor(tls.length / 3);
  const rate = (xs: ConnectionRecord[]): number => xs.filter((c) => c.tls!.resumed).length / xs.length;
  return { early: rate(tls.slice(0, third)), late: rate(tls.slice(tls.length - third)), handshakes: tls.length };
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
    return finding('resumption-lost', {
      evidence: {
        resumptionRateEarly: Math.round(measured.early * 1000) / 1000,
        resumptionRateLate: Math.round(measured.late * 1000) / 1000,
        handshakes: measured.handshakes,
        clientSessionCacheSize: t?.clientSessionCacheSize ?? null,
      },
      fix: {
        summary: 'TLS session resumption worked at the start and then stopped: session tickets became invalid (ticket keys rotated or differing between servers) or the client session cache was evicted.',
        nodeHttp: 'new https.Agent({ keepAlive: true, maxCachedSessions: 100 }) shared by all requests',
        undici: 'new Agent({ connect: { maxCachedSessions: 100 } }) shared by all requests',
        fetch: 'one shared dispatcher (its session cache lives in the Agent)',
        server: 'share session-ticket keys across instances and rotate them with overlap (server.setTicketKeys with the previous key still accepted), not per connection',
      },
    });
  },
};
