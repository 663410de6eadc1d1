import { H2Client, inParallel } from '../clients.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startH2Server } from '../servers.js';

const STREAMS = 12;
const SERVER_MS = 40;
const BEFORE_LIMIT = 1;
const AFTER_LIMIT = 100;

export const h2StreamLimit: Scenario = {
  name: 'h2-stream-limit',
  title: 'SETTINGS_MAX_CONCURRENT_STREAMS 1: streams queue on one session',
  reproduces: `${STREAMS} concurrent requests on one HTTP/2 session to a server that allows ${BEFORE_LIMIT} concurrent stream and answers in ${SERVER_MS} ms: the streams run one after another.`,
  expected: 'h2-stream-limit',
  beforeConfig: `server maxConcurrentStreams ${BEFORE_LIMIT}; ${STREAMS} concurrent streams on one session`,
  afterConfig: `server maxConcurrentStreams ${AFTER_LIMIT}; same client`,
  metric: { key: 'p99', better: 'lower', minImprovement: 0.3 },
  async run(variant, ctx) {
    const chain = await ctx.chain();
    const limit = variant === 'before' ? BEFORE_LIMIT : AFTER_LIMIT;
    const server = await startH2Server(okHandler({ delayMs: SERVER_MS }), chain, { maxConcurrentStreams: limit });
    const client = new H2Client(server.origin, chain.caPem);
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        // one warm-up stream so the server's SETTINGS are known before the burst
        await client.get('/', signal);
        client.streams.length = 0;
        await inParallel(STREAMS, STREAMS, signal, () => client.get('/', signal));
        const { queued, ms } = client.queuedTime(client.maxConcurrentStreams ?? Infinity);
        client.close();
        return { http2: { supported: true, used: true, maxConcurrentStreams: client.maxConcurrentStreams, streamsQueued: queued, queuedMs: ms }, concurrency: STREAMS };
      });
    } finally {
      client.close();
      await server.close();
    }
  },
};
