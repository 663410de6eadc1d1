import { finding, type Rule } from './engine.js';

/**
 * headersTimeout at or below keepAliveTimeout: Node before 18 (and proxies that count the header timer
 * from the end of the previous response) cut off a request that arrives late in the keep-alive window.
 */
export const serverHeadersTimeout: Rule = {
  id: 'server-headers-timeout',
  evaluate(ctx) {
    const s = ctx.session.facts.server;
    if (s?.headersTimeoutMs === undefined || s.keepAliveTimeoutMs === undefined) return undefined;
    if (s.headersTimeoutMs === 0 || s.keepAliveTimeoutMs === 0 || s.headersTimeoutMs > s.keepAliveTimeoutMs) return undefined;
    const headers = s.keepAliveTimeoutMs + 1_000;
    // Node refuses a headersTimeout above a non-zero requestTimeout
    const request = s.requestTimeoutMs && s.requestTimeoutMs < headers ? headers : undefined;
    return finding('server-headers-timeout', {
      evidence: {
        headersTimeoutMs: s.headersTimeoutMs,
        keepAliveTimeoutMs: s.keepAliveTimeoutMs,
        suggestedHeadersTimeoutMs: headers,
      },
      fix: {
        summary: `Set headersTimeout to ${headers} ms, above keepAliveTimeout (${s.keepAliveTimeoutMs} ms).`,
        server: `server.headersTimeout = ${headers};${request ? ` server.requestTimeout = ${request};` : ''}`,
      },
    });
  },
};
