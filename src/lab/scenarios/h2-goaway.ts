import { H2Client, paced } from '../clients.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startH2Server } from '../servers.js';

const REQUESTS = 12;
const GOAWAY_AFTER = 3;

export const h2Goaway: Scenario = {
  name: 'h2-goaway',
  title: 'The server sends GOAWAY after a few streams',
  reproduces: `An HTTP/2 server that sends GOAWAY after ${GOAWAY_AFTER} streams per session (a low max-requests setting): ${REQUESTS} requests need a new TCP+TLS session every ${GOAWAY_AFTER}.`,
  expected: 'h2-goaway',
  beforeConfig: `server GOAWAY after ${GOAWAY_AFTER} streams; node:http2 client reconnecting on GOAWAY`,
  afterConfig: 'server keeps sessions open (no per-session stream cap); same client',
  metric: { key: 'serverConnections', better: 'lower' },
  async run(variant, ctx) {
    const chain = await ctx.chain();
    const server = await startH2Server(okHandler(), chain, variant === 'before' ? { goawayAfterStreams: GOAWAY_AFTER } : {});
    const client = new H2Client(server.origin, chain.caPem);
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        await paced(Array(REQUESTS).fill(5), signal, () => client.get('/', signal));
        client.close();
        return { http2: { supported: true, used: true, goaways: client.goaways, maxConcurrentStreams: client.maxConcurrentStreams } };
      });
    } finally {
      client.close();
      await server.close();
    }
  },
};
