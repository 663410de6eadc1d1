import { slowPhaseRule } from './slow-phase.js';

export const slowTls = slowPhaseRule('slow-tls', 'tls', (ctx) => ctx.thresholds.slowTlsMs, {
  summary: 'Full TLS handshakes are slow: reuse connections and resume sessions; prefer TLS 1.3 and ECDSA certificates.',
  nodeHttp: 'new https.Agent({ keepAlive: true, maxCachedSessions: 100 })',
  undici: 'new Agent({ connect: { maxCachedSessions: 100 }, keepAliveTimeout: ... })',
  fetch: 'one shared dispatcher so its TLS session cache is reused',
  server: 'enable session tickets (default in Node) and keep ticket keys stable across instances',
});
