import { finding, type Rule } from './engine.js';

/** Node's default since 18: a request (headers + body) must arrive within 5 minutes. */
const SUGGESTED_MS = 300_000;

/** requestTimeout 0: a client that trickles a body keeps its socket and the request's memory forever. */
export const serverRequestTimeoutMissing: Rule = {
  id: 'server-request-timeout-missing',
  evaluate(ctx) {
    const s = ctx.session.facts.server;
    if (s?.requestTimeoutMs !== 0) return undefined;
    const suggested = Math.max(SUGGESTED_MS, (s.headersTimeoutMs ?? 0) + 1_000);
    return finding('server-request-timeout-missing', {
      evidence: { requestTimeoutMs: 0, headersTimeoutMs: s.headersTimeoutMs ?? null, suggestedRequestTimeoutMs: suggested },
      fix: {
        summary: `Set requestTimeout (e.g. ${suggested} ms, Node's default): without it a slow client holds its socket indefinitely.`,
        server: `http.createServer({ requestTimeout: ${suggested} }) or server.requestTimeout = ${suggested}; keep it at or above headersTimeout`,
      },
    });
  },
};
