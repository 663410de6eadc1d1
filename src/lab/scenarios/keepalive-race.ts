import { Pool, interceptors } from 'undici';
import { paced, undiciGet } from '../clients.js';
import { raceGaps, sharedIdleTimeout } from '../idle-timeout.js';
import { startLatencyProxy } from '../latency-proxy.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpServer } from '../servers.js';

const SERVER_IDLE_MS = 1000;
/** One-way delay: a request sent in the last 2 × this before the server's close meets a closed socket. */
const DELAY_MS = 150;
const BEFORE_CLIENT_IDLE_MS = 4000;
const AFTER_CLIENT_IDLE_MS = 500;

export const keepaliveRace: Scenario = {
  name: 'keepalive-race',
  title: 'Client keeps idle sockets longer than the server: resets on reuse',
  reproduces:
    `The server's keepAliveTimeout is ${SERVER_IDLE_MS} ms (Node 20.20 closes about 1 s after it) and it sends no Keep-Alive hint, like Go or nginx; ` +
    `the client keeps idle sockets ${BEFORE_CLIENT_IDLE_MS} ms. Over a link with ${2 * DELAY_MS} ms RTT, a request sent just before the server's FIN arrives is written onto a dead socket and fails.`,
  expected: 'stale-socket-reset',
  beforeConfig: `undici Pool keepAliveTimeout ${BEFORE_CLIENT_IDLE_MS} ms, no retry`,
  afterConfig: `undici Pool keepAliveTimeout ${AFTER_CLIENT_IDLE_MS} ms (below the server's ${SERVER_IDLE_MS} ms minus one RTT) + retry interceptor for idempotent requests`,
  metric: { key: 'failures', better: 'lower' },
  async run(variant, ctx) {
    const server = await startHttpServer(okHandler(), { keepAliveTimeout: SERVER_IDLE_MS, hint: false });
    const proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: server.port, delayMs: DELAY_MS });
    const origin = `http://127.0.0.1:${proxy.port}`;
    const idle = variant === 'before' ? BEFORE_CLIENT_IDLE_MS : AFTER_CLIENT_IDLE_MS;
    const pool = new Pool(origin, { connections: 1, keepAliveTimeout: idle, keepAliveMaxTimeout: idle });
    const client = variant === 'before' ? pool : pool.compose(interceptors.retry({ maxRetries: 2, minTimeout: 10 }));
    try {
      return await measure({ origins: [origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        // the probe's idle-timeout measurement: Node closes a little after keepAliveTimeout, so the
        // race window is placed on what the server really does
        const measuredIdle = await sharedIdleTimeout(ctx.shared, server.port, SERVER_IDLE_MS, signal);
        await paced(raceGaps(measuredIdle, DELAY_MS), signal, () => undiciGet(client, origin, '/', signal));
        await pool.close();
        return { clientIdleTimeoutMs: idle, keepAliveEnabled: true, measuredIdleTimeoutMs: measuredIdle };
      });
    } finally {
      await pool.destroy().catch(() => undefined);
      await proxy.close();
      await server.close();
    }
  },
};
