import { slowPhaseRule } from './slow-phase.js';

export const slowConnect = slowPhaseRule('slow-connect', 'connect', (ctx) => ctx.thresholds.slowConnectMs, {
  summary: 'Each new TCP connection costs a slow round trip: keep connections alive and pre-warm the pool.',
  nodeHttp: 'new http.Agent({ keepAlive: true, maxSockets: N }) and reuse one agent',
  undici: 'new Pool(origin, { connections: N, keepAliveTimeout: ... }) shared across requests',
  fetch: 'pass one shared undici Agent as `dispatcher`; do not create it per request',
});
