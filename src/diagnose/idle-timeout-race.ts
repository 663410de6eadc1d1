import { finding, type Rule } from './engine.js';

/**
 * The client keeps an idle connection at least as long as the server does: the server closes it while
 * the client may be picking it for the next request, which then fails with ECONNRESET / "other side closed".
 * The server's real (measured) idle timeout wins over its hint when both are known.
 */
export const idleTimeoutRace: Rule = {
  id: 'idle-timeout-race',
  evaluate({ session }) {
    const f = session.facts;
    const client = f.clientIdleTimeoutMs;
    const server = f.measuredIdleTimeoutMs ?? f.hintedIdleTimeoutMs;
    if (client === undefined || server === undefined || client < server) return undefined;
    const source = f.measuredIdleTimeoutMs !== undefined ? 'measured' : 'Keep-Alive hint';
    const safe = Math.max(0, Math.floor(server * 0.8));
    return finding('idle-timeout-race', {
      evidence: {
        clientIdleTimeoutMs: client,
        serverIdleTimeoutMs: server,
        serverIdleTimeoutSource: source,
        hintedIdleTimeoutMs: f.hintedIdleTimeoutMs ?? null,
        measuredIdleTimeoutMs: f.measuredIdleTimeoutMs ?? null,
      },
      fix: {
        summary: `Keep idle connections for less than the server's ${server} ms (${source}), e.g. ${safe} ms, or make the server keep them longer.`,
        nodeHttp: `new http.Agent({ keepAlive: true, timeout: ${safe} }) (free sockets are closed after that idle time)`,
        undici: `new Agent({ keepAliveTimeout: ${safe}, keepAliveMaxTimeout: ${safe} }); keepAliveTimeoutThreshold (default 2000) is subtracted from Keep-Alive hints`,
        fetch: `fetch(url, { dispatcher: new Agent({ keepAliveTimeout: ${safe} }) })`,
        server: 'raise the server idle timeout above every client and proxy (Node: server.keepAliveTimeout; nginx: keepalive_timeout)',
      },
    });
  },
};
