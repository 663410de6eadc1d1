import https from 'node:https';
import { nodeGet, paced, type Outcome } from '../clients.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startH2Server } from '../servers.js';

const REQUESTS = 4;
const OFFERED = ['http/1.1'];

export const alpnMismatch: Scenario = {
  name: 'alpn-mismatch',
  title: 'Client and server share no ALPN protocol',
  reproduces: `An HTTP/2-only server (http2.createSecureServer without allowHTTP1) and an HTTP/1.1 client offering ALPN ${OFFERED.join(', ')}: every handshake fails.`,
  expected: 'alpn-no-overlap',
  beforeConfig: `server ALPN h2 only; https.Agent offering ${OFFERED.join(', ')}`,
  afterConfig: 'server allowHTTP1: true (ALPN h2, http/1.1); same client',
  metric: { key: 'failures', better: 'lower' },
  async run(variant, ctx) {
    const chain = await ctx.chain();
    const server = await startH2Server(okHandler(), chain, { allowHTTP1: variant === 'after' });
    const agent = new https.Agent({ keepAlive: true });
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        const outcomes: Outcome[] = await paced(Array(REQUESTS).fill(5), signal, () =>
          nodeGet(server.origin + '/', { agent, signal, ca: chain.caPem, ALPNProtocols: OFFERED }),
        );
        const failure = outcomes.find((o): o is { error: string } => 'error' in o);
        // what the probe's ALPN check records: what was offered and how the handshake failed
        return { keepAliveEnabled: true, tls: { alpnOffered: OFFERED, ...(failure ? { alpnFailure: { offered: OFFERED, message: failure.error } } : {}) } };
      });
    } finally {
      agent.destroy();
      await server.close();
    }
  },
};
