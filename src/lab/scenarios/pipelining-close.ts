import { Pool } from 'undici';
import { inParallel, undiciGet } from '../clients.js';
import { measure } from '../measure.js';
import { startPipelineServer } from '../pipeline-server.js';
import type { Scenario } from '../scenario.js';

const REQUESTS = 12;
const CLOSE_AFTER = 3;
const BEFORE_PIPELINING = 4;
const AFTER_CONNECTIONS = 4;

export const pipeliningClose: Scenario = {
  name: 'pipelining-close',
  title: 'Pipelined requests are lost when the server closes',
  reproduces:
    `A server that closes each connection after ${CLOSE_AFTER} responses without \`Connection: close\`; the client pipelines ${BEFORE_PIPELINING} requests deep, ` +
    `so the requests already written behind the last answered one die with the socket.`,
  expected: 'pipelining-lost-requests',
  beforeConfig: `undici Pool connections 1, pipelining ${BEFORE_PIPELINING}`,
  afterConfig: `undici Pool connections ${AFTER_CONNECTIONS}, pipelining 1 (the default): parallelism from connections`,
  metric: { key: 'failures', better: 'lower' },
  async run(variant, ctx) {
    const server = await startPipelineServer({ closeAfter: CLOSE_AFTER });
    const pipelining = variant === 'before' ? BEFORE_PIPELINING : 1;
    const pool = new Pool(server.origin, { connections: variant === 'before' ? 1 : AFTER_CONNECTIONS, pipelining });
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        await inParallel(REQUESTS, REQUESTS, signal, () => undiciGet(pool, server.origin, '/', signal));
        await pool.close();
        return { keepAliveEnabled: true, pipelining, concurrency: REQUESTS };
      });
    } finally {
      await pool.destroy().catch(() => undefined);
      await server.close();
    }
  },
};
