import { finding, type Rule } from './engine.js';

/** Margin above the load balancer's idle timeout for the suggested keepAliveTimeout. */
const MARGIN_MS = 5_000;

/**
 * The classic ALB 502: the server closes an idle keep-alive connection while the load balancer still
 * thinks it is open, and the balancer's next request on it fails. The server must be the one that waits longer.
 */
export const serverKeepaliveBelowLb: Rule = {
  id: 'server-keepalive-below-lb',
  evaluate(ctx) {
    const s = ctx.session.facts.server;
    if (s?.keepAliveTimeoutMs === undefined || s.lbIdleTimeoutMs === undefined) return undefined;
    // 0 means the server never closes idle connections itself
    if (s.keepAliveTimeoutMs === 0 || s.keepAliveTimeoutMs > s.lbIdleTimeoutMs) return undefined;
    const keepAlive = s.lbIdleTimeoutMs + MARGIN_MS;
    const headers = keepAlive + 1_000;
    const request = s.requestTimeoutMs && s.requestTimeoutMs < headers ? headers : undefined;
    return finding('server-keepalive-below-lb', {
      evidence: {
        keepAliveTimeoutMs: s.keepAliveTimeoutMs,
        lbIdleTimeoutMs: s.lbIdleTimeoutMs,
        suggestedKeepAliveTimeoutMs: keepAlive,
        suggestedHeadersTimeoutMs: headers,
      },
      fix: {
        summary:
          `Set the server's keepAliveTimeout to ${keepAlive} ms (above the load balancer's ${s.lbIdleTimeoutMs} ms idle timeout) ` +
          `and headersTimeout to ${headers} ms, so the load balancer always closes idle connections first.`,
        server:
          `server.keepAliveTimeout = ${keepAlive}; server.headersTimeout = ${headers};` +
          (request ? ` server.requestTimeout = ${request};` : '') +
          ` (nginx: keepalive_timeout ${Math.ceil(keepAlive / 1000)}s; Go: http.Server{IdleTimeout: ${Math.ceil(keepAlive / 1000)} * time.Second})`,
        nodeHttp: 'clients behind the same balancer: keep their Agent `timeout` (idle) below the balancer\'s idle timeout too',
      },
    });
  },
};
