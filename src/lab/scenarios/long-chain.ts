import https from 'node:https';
import { nodeGet, paced } from '../clients.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpsServer } from '../servers.js';

const CONNECTIONS = 6;
const BEFORE = { intermediates: 4, padBytes: 2048 };
const AFTER = { intermediates: 1 };

export const longChain: Scenario = {
  name: 'long-chain',
  title: 'A long certificate chain inflates every full handshake',
  reproduces:
    `The server sends its leaf plus ${BEFORE.intermediates} intermediates, each carrying ${BEFORE.padBytes} bytes of extensions: ` +
    `every full handshake ships (and the client verifies) the whole chain.`,
  expected: 'long-cert-chain',
  beforeConfig: `leaf + ${BEFORE.intermediates} intermediates (padded); ${CONNECTIONS} full handshakes`,
  afterConfig: `leaf + ${AFTER.intermediates} intermediate, no padding; same client`,
  metric: { key: 'chainBytes', better: 'lower' },
  async run(variant, ctx) {
    const chain = await ctx.chain(variant === 'before' ? BEFORE : AFTER);
    const server = await startHttpsServer(okHandler(), chain);
    // no session cache: every connection is a full handshake, the cost under study
    const agent = new https.Agent({ keepAlive: false, maxCachedSessions: 0 });
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        await paced(Array(CONNECTIONS).fill(5), signal, () => nodeGet(server.origin + '/', { agent, signal, ca: chain.caPem }));
        return { keepAliveEnabled: false };
      });
    } finally {
      agent.destroy();
      await server.close();
    }
  },
};
