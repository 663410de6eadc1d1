import http from 'node:http';
import { nodeGet, paced } from '../clients.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpServer } from '../servers.js';

const REQUESTS = 10;

export const noKeepalive: Scenario = {
  name: 'no-keepalive',
  title: 'A new Agent per request, keep-alive off',
  reproduces: `${REQUESTS} sequential requests, each through \`new http.Agent()\` (keepAlive defaults to false): every request opens and closes a connection.`,
  expected: 'keepalive-disabled',
  beforeConfig: 'new http.Agent() per request (keepAlive: false)',
  afterConfig: 'one shared http.Agent({ keepAlive: true })',
  metric: { key: 'serverConnections', better: 'lower' },
  async run(variant, ctx) {
    const server = await startHttpServer(okHandler(), { keepAliveTimeout: 5000 });
    const shared = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const made: http.Agent[] = [];
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        await paced(Array(REQUESTS).fill(5), signal, () => {
          let agent = shared;
          if (variant === 'before') {
            agent = new http.Agent();
            made.push(agent);
          }
          return nodeGet(server.origin + '/', { agent, signal });
        });
        return {
          keepAliveEnabled: variant === 'after',
          poolsCreated: { [server.origin]: variant === 'before' ? made.length : 1 },
        };
      });
    } finally {
      shared.destroy();
      for (const a of made) a.destroy();
      await server.close();
    }
  },
};
