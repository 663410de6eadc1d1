import { Pool } from 'undici';
import { paced, undiciGet } from '../clients.js';
import { startLatencyProxy } from '../latency-proxy.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpServer } from '../servers.js';

const DROP_AFTER_MS = 500;
const BEFORE_CLIENT_IDLE_MS = 10_000;
const AFTER_CLIENT_IDLE_MS = 250;
/** How long a request may wait for its response headers (the caller's deadline). */
const REQUEST_TIMEOUT_MS = 800;
const GAPS_MS = [0, 100, 700, 100, 700];

export const idleBlackhole: Scenario = {
  name: 'idle-blackhole',
  title: 'A NAT silently drops idle connections',
  reproduces:
    `A proxy that stops forwarding on a connection idle for ${DROP_AFTER_MS} ms without closing it, as a NAT gateway or firewall forgets a flow. ` +
    `The client reuses the dead connection and its request hangs until its own ${REQUEST_TIMEOUT_MS} ms deadline.`,
  expected: 'idle-blackhole',
  beforeConfig: `undici Pool keepAliveTimeout ${BEFORE_CLIENT_IDLE_MS} ms, headersTimeout ${REQUEST_TIMEOUT_MS} ms`,
  afterConfig: `undici Pool keepAliveTimeout ${AFTER_CLIENT_IDLE_MS} ms (below the ${DROP_AFTER_MS} ms drop)`,
  metric: { key: 'failures', better: 'lower' },
  async run(variant, ctx) {
    const server = await startHttpServer(okHandler(), { keepAliveTimeout: 60_000, hint: false });
    const nat = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: server.port, delayMs: 1, blackholeAfterIdleMs: DROP_AFTER_MS });
    const origin = `http://127.0.0.1:${nat.port}`;
    const idle = variant === 'before' ? BEFORE_CLIENT_IDLE_MS : AFTER_CLIENT_IDLE_MS;
    const pool = new Pool(origin, { connections: 1, keepAliveTimeout: idle, keepAliveMaxTimeout: idle, headersTimeout: REQUEST_TIMEOUT_MS });
    try {
      return await measure({ origins: [origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        await paced(GAPS_MS, signal, () => undiciGet(pool, origin, '/', signal));
        await pool.destroy();
        // undici turns TCP keepalive on with a 60 s initial delay: far longer than this drop
        return { keepAliveEnabled: true, clientIdleTimeoutMs: idle, tcpKeepAlive: true, tcpKeepAliveInitialDelayMs: 60_000 };
      });
    } finally {
      await pool.destroy().catch(() => undefined);
      await nat.close();
      await server.close();
    }
  },
};
