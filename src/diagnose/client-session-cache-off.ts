import { finding, type Rule } from './engine.js';

/** The client's TLS session cache is off while it opens several TLS connections: each pays a full handshake. */
export const clientSessionCacheOff: Rule = {
  id: 'client-session-cache-off',
  evaluate({ session }) {
    if (session.facts.tls?.clientSessionCacheSize !== 0) return undefined;
    let full = 0;
    let fullMs = 0;
    for (const c of session.connections.values()) {
      if (!c.tls || c.tls.resumed) continue;
      full++;
      fullMs += c.establishment.tls ?? 0;
    }
    // one full handshake is unavoidable; the cache matters from the second connection on
    if (full < 2) return undefined;
    return finding('client-session-cache-off', {
      evidence: { clientSessionCacheSize: 0, fullHandshakes: full, meanFullHandshakeMs: Math.round((fullMs / full) * 10) / 10 },
      fix: {
        summary: 'Turn the client TLS session cache back on so new connections resume instead of paying a full handshake.',
        nodeHttp: 'new https.Agent({ keepAlive: true, maxCachedSessions: 100 }) — 0 disables resumption',
        undici: 'new Agent({ connect: { maxCachedSessions: 100 } })',
        fetch: "fetch(url, { dispatcher: new Agent({ connect: { maxCachedSessions: 100 } }) })",
      },
    });
  },
};
