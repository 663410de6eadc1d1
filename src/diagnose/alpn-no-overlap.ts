import { finding, type Rule } from './engine.js';

/** The client offered ALPN protocols the server does not speak, and the server refused the handshake. */
export const alpnNoOverlap: Rule = {
  id: 'alpn-no-overlap',
  evaluate({ session }) {
    const fail = session.facts.tls?.alpnFailure;
    if (!fail) return undefined;
    return finding('alpn-no-overlap', {
      evidence: {
        offered: fail.offered.join(','),
        serverSelects: fail.serverSelected ?? null,
        error: fail.message,
      },
      fix: {
        summary: fail.serverSelected
          ? `The server speaks ${fail.serverSelected}; offer it (or let the server also accept ${fail.offered.join(', ')}).`
          : 'Offer a protocol the server speaks, or configure the server to accept the client\'s.',
        nodeHttp: fail.serverSelected === 'h2' ? 'node:https speaks only HTTP/1.1: use node:http2 (http2.connect) for this server' : 'https.request({ ALPNProtocols: [\'http/1.1\'] })',
        undici: fail.serverSelected === 'h2' ? 'new Agent({ allowH2: true })' : 'new Agent({ allowH2: false })',
        fetch: fail.serverSelected === 'h2' ? "fetch(url, { dispatcher: new Agent({ allowH2: true }) })" : 'the default dispatcher offers http/1.1',
        server: 'Node: http2.createSecureServer({ allowHTTP1: true }) serves HTTP/1.1 clients too; nginx: listen 443 ssl http2 keeps HTTP/1.1',
      },
    });
  },
};
