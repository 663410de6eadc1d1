import { finding, type Rule } from './engine.js';

/** Codes a client sees when it writes to a socket the server has just closed. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE', 'CONNSCOPE_ERR_RESET']);

export const staleSocketReset: Rule = {
  id: 'stale-socket-reset',
  evaluate(ctx) {
    const { facts, requests } = ctx.session;
    const idle: number[] = [];
    let failures = 0;
    const codes = new Set<string>();
    for (const r of requests) {
      if (!r.error || !(r.error.onReusedSocket || r.reused) || !RESET_CODES.has(r.error.code)) continue;
      failures++;
      codes.add(r.error.code);
      if (r.idleBeforeMs !== undefined) idle.push(r.idleBeforeMs);
    }
    if (failures === 0) return undefined;
    idle.sort((a, b) => a - b);
    const serverTimeout = facts.measuredIdleTimeoutMs ?? facts.hintedIdleTimeoutMs ?? facts.server?.keepAliveTimeoutMs;
    return finding('stale-socket-reset', {
      evidence: {
        failures,
        codes: [...codes].join(','),
        idleBeforeMedianMs: idle.length ? Math.round(idle[Math.floor(idle.length / 2)]!) : null,
        idleBeforeMinMs: idle.length ? Math.round(idle[0]!) : null,
        clientIdleTimeoutMs: facts.clientIdleTimeoutMs ?? null,
        serverIdleTimeoutMs: serverTimeout ?? null,
      },
      fix: {
        summary: 'The client reused idle sockets the server was closing. Make the client drop idle sockets before the server does, and retry idempotent requests that fail on a reused socket.',
        nodeHttp: 'new http.Agent({ keepAlive: true, timeout: <server keepAliveTimeout − 1 s> }); retry when err.code === "ECONNRESET" && req.reusedSocket',
        undici: 'new Agent({ keepAliveTimeout: <below the server>, keepAliveTimeoutThreshold: 2000 }); or compose interceptors.retry() for idempotent requests',
        fetch: 'dispatcher: new Agent({ keepAliveTimeout: <below the server> }).compose(interceptors.retry())',
        server: 'raise server.keepAliveTimeout above the client idle timeout (and send Keep-Alive: timeout=N so clients can follow it)',
      },
    });
  },
};
