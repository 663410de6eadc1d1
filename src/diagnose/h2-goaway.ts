import { finding, type Rule } from './engine.js';

export const h2Goaway: Rule = {
  id: 'h2-goaway',
  evaluate(ctx) {
    const { facts, connections, requests } = ctx.session;
    let closedByGoaway = 0;
    let sessions = 0;
    for (const c of connections.values()) {
      if (c.protocol !== 'h2') continue;
      sessions++;
      if (c.close?.reason === 'goaway') closedByGoaway++;
    }
    const goaways = Math.max(facts.http2?.goaways ?? 0, closedByGoaway);
    if (goaways === 0) return undefined;
    let failed = 0;
    for (const r of requests) if (r.error && (r.source === 'http2' || r.httpVersion === '2.0')) failed++;
    return finding('h2-goaway', {
      evidence: { goaways, sessions, failedStreams: failed },
      fix: {
        summary: 'The server ends HTTP/2 sessions with GOAWAY (max requests/age per connection, graceful restarts); each new session pays a handshake and streams in flight can fail.',
        nodeHttp: "node:http2: listen for the session 'goaway' event, open a new session before the old one drains, and retry streams above lastStreamID",
        undici: 'undici reconnects on GOAWAY; compose interceptors.retry() so refused streams are retried',
        fetch: 'dispatcher: new Agent({ allowH2: true }).compose(interceptors.retry())',
        server: 'raise the per-connection request limit (nginx keepalive_requests / http2 max requests) and the session max age',
      },
    });
  },
};
