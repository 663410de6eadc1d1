import { finding, type Rule } from './engine.js';

export const keepaliveDisabled: Rule = {
  id: 'keepalive-disabled',
  evaluate(ctx) {
    const { facts, requests, connections } = ctx.session;
    let clientCloses = 0;
    for (const c of connections.values()) if (c.close?.reason === 'client-connection-close') clientCloses++;
    // the server closing after each response is server-closes-connection; this rule is about the client
    if (facts.keepAliveEnabled !== false && clientCloses === 0) return undefined;
    let ok = 0;
    let reused = 0;
    for (const r of requests) {
      if (r.error) continue;
      ok++;
      if (r.reused) reused++;
    }
    if (ok < 3 || reused / ok > 0.05) return undefined;
    return finding('keepalive-disabled', {
      evidence: {
        requests: ok,
        reusedRequests: reused,
        connections: connections.size,
        clientClosedConnections: clientCloses,
        keepAliveEnabled: facts.keepAliveEnabled ?? null,
      },
      fix: {
        summary: 'Every request pays a new TCP (and TLS) handshake: turn keep-alive on and share one pool.',
        nodeHttp: 'new http.Agent({ keepAlive: true }) — `new Agent()` still defaults to keepAlive: false; do not send `Connection: close`',
        undici: 'do not set reset: true or a `connection: close` header; keep one Pool/Agent for the process',
        fetch: 'remove the `connection: close` header; pass one shared undici Agent as `dispatcher`',
        server: 'do not answer with `Connection: close`; keep server.keepAliveTimeout above 0',
      },
    });
  },
};
