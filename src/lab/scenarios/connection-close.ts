import { Pool } from 'undici';
import { paced, undiciGet } from '../clients.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpServer } from '../servers.js';

const REQUESTS = 10;

export const connectionClose: Scenario = {
  name: 'connection-close',
  title: 'The server answers `Connection: close`',
  reproduces: `A server that sends \`Connection: close\` on every response: ${REQUESTS} sequential requests through a keep-alive pool each pay a new connection.`,
  expected: 'server-closes-connection',
  beforeConfig: 'server sets `Connection: close`; undici Pool with keep-alive',
  afterConfig: 'server keeps connections alive (no `Connection: close`, keepAliveTimeout 5 s)',
  metric: { key: 'serverConnections', better: 'lower' },
  async run(variant, ctx) {
    const server = await startHttpServer(okHandler(), { closeEachResponse: variant === 'before', keepAliveTimeout: 5000 });
    const pool = new Pool(server.origin, { connections: 1 });
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        await paced(Array(REQUESTS).fill(5), signal, () => undiciGet(pool, server.origin, '/', signal));
        await pool.close();
        return { keepAliveEnabled: true, clientIdleTimeoutMs: 4000 };
      });
    } finally {
      await pool.destroy().catch(() => undefined);
      await server.close();
    }
  },
};
