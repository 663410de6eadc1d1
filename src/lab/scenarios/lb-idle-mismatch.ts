import { Pool } from 'undici';
import { paced, undiciGet } from '../clients.js';
import { raceGaps, sharedIdleTimeout } from '../idle-timeout.js';
import { startLatencyProxy } from '../latency-proxy.js';
import { startLbProxy } from '../lb-proxy.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpServer } from '../servers.js';
import { closeAll } from './shared.js';

const LB_IDLE_MS = 10_000;
const BEFORE = { keepAliveTimeout: 1000, headersTimeout: 1000 };
const AFTER = { keepAliveTimeout: LB_IDLE_MS + 5000, headersTimeout: LB_IDLE_MS + 6000 };
/** Between proxy and server, so the server's FIN reaches the proxy late, as across a network. */
const DELAY_MS = 150;

export const lbIdleMismatch: Scenario = {
  name: 'lb-idle-mismatch',
  title: "Load balancer keeps upstream connections longer than the server: 502s",
  reproduces:
    `A reverse proxy (undici Pool upstream, idle ${LB_IDLE_MS / 1000} s, ignoring Keep-Alive hints like an ALB) in front of a Node server whose keepAliveTimeout is ` +
    `${BEFORE.keepAliveTimeout} ms. The proxy reuses upstream sockets the server is closing and answers 502.`,
  expected: 'server-keepalive-below-lb',
  beforeConfig: `server keepAliveTimeout ${BEFORE.keepAliveTimeout} ms, headersTimeout ${BEFORE.headersTimeout} ms; proxy idle ${LB_IDLE_MS} ms`,
  afterConfig: `server keepAliveTimeout ${AFTER.keepAliveTimeout} ms (> proxy idle), headersTimeout ${AFTER.headersTimeout} ms (> keepAliveTimeout)`,
  metric: { key: 'failures', better: 'lower' },
  async run(variant, ctx) {
    const config = variant === 'before' ? BEFORE : AFTER;
    const server = await startHttpServer(okHandler(), config);
    const link = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: server.port, delayMs: DELAY_MS });
    const lb = await startLbProxy({ upstream: `http://127.0.0.1:${link.port}`, idleTimeoutMs: LB_IDLE_MS });
    const client = new Pool(lb.origin, { connections: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 30_000 });
    try {
      return await measure({ origins: [lb.origin], servers: [lb], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        // gaps placed on the before-server's real idle close (measured directly, once), so the
        // proxy's reuse lands in the race window; the after-run repeats the same gaps
        const serverIdle = await sharedIdleTimeout(ctx.shared, server.port, BEFORE.keepAliveTimeout, signal);
        await paced(raceGaps(serverIdle, DELAY_MS), signal, () => undiciGet(client, lb.origin, '/', signal));
        await client.close();
        // what check-server reads from a live server object, plus the proxy's configured idle timeout
        return {
          keepAliveEnabled: true,
          server: { keepAliveTimeoutMs: server.server.keepAliveTimeout, headersTimeoutMs: server.server.headersTimeout, lbIdleTimeoutMs: lb.idleTimeoutMs },
        };
      });
    } finally {
      await client.destroy().catch(() => undefined);
      await closeAll([lb, link, server]);
    }
  },
};
