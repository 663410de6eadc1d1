import http from 'node:http';
import { inParallel, nodeGet } from '../clients.js';
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
  reproduces: `${REQUESTS} requests, ${CONCURRENCY} at a time, against a server answering in ${SERVER_MS} ms, through a pool of ${BEFORE_POOL} sockets: most of each request's time is spent blocked in the pool queue.`,
  expected: 'pool-exhausted',
  beforeConfig: `http.Agent({ keepAlive: true, maxSockets: ${BEFORE_POOL} }), concurrency ${CONCURRENCY}`,
  afterConfig: `http.Agent({ keepAlive: true, maxSockets: ${AFTER_POOL} }), concurrency ${CONCURRENCY}`,
  metric: { key: 'p99', better: 'lower', minImprovement: 0.3 },
  async run(variant, ctx) {
    const server = await startHttpServer(okHandler({ delayMs: SERVER_MS }), { keepAliveTimeout: 5000 });
    const poolSize = variant === 'before' ? BEFORE_POOL : AFTER_POOL;
    const agent = new http.Agent({ keepAlive: true, maxSockets: poolSize });
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal, session }) => {
        await inParallel(REQUESTS, CONCURRENCY, signal, () => nodeGet(server.origin + '/', { agent, signal }));
        let blocked = 0;
        let total = 0;
        for (const r of session.requests) {
          blocked += r.phases.blocked ?? 0;
          total += r.phases.total;
        }
        return { keepAliveEnabled: true, poolSize, concurrency: CONCURRENCY, ...(total > 0 ? { blockedShare: blocked / total } : {}) };
      });
    } finally {
      agent.destroy();
      await server.close();
    }
  },
};
