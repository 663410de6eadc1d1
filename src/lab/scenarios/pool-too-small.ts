import { bench } from '../../bench/index.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpServer } from '../servers.js';

const CONCURRENCY = 24;
const REQUESTS = 72;
const SERVER_MS = 25;
const BEFORE_POOL = 2;
const AFTER_POOL = CONCURRENCY;

export const poolTooSmall: Scenario = {
  name: 'pool-too-small',
  title: 'Concurrency far above the pool size: requests queue for a socket',
  reproduces: `${REQUESTS} requests, ${CONCURRENCY} at a time, against a server answering in ${SERVER_MS} ms, through a pool of ${BEFORE_POOL} connections: most of each request's time is spent blocked in the pool queue.`,
  expected: 'pool-exhausted',
  beforeConfig: `connscope bench --client undici --connections ${BEFORE_POOL} -c ${CONCURRENCY} -n ${REQUESTS} (undici Pool connections ${BEFORE_POOL})`,
  afterConfig: `connscope bench --client undici --connections ${AFTER_POOL} -c ${CONCURRENCY} -n ${REQUESTS} (pool as large as the concurrency)`,
  metric: { key: 'p99', better: 'lower', minImprovement: 0.3 },
  async run(variant, ctx) {
    const server = await startHttpServer(okHandler({ delayMs: SERVER_MS }), { keepAliveTimeout: 5000 });
    const connections = variant === 'before' ? BEFORE_POOL : AFTER_POOL;
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        // the bench engine carries the load and fills the pool facts exactly as `connscope bench` does
        const result = await bench({ url: server.origin + '/', client: 'undici', concurrency: CONCURRENCY, requests: REQUESTS, connections, signal, timeoutMs: 5000 });
        const { durationMs: _ignored, ...facts } = result.session.facts;
        return facts;
      });
    } finally {
      await server.close();
    }
  },
};
