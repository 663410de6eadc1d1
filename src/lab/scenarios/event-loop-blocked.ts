import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Pool } from 'undici';
import { paced, undiciGet } from '../clients.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpServer } from '../servers.js';

const REQUESTS = 10;
/** The loop is free only ~10 ms between blocks, less than one request takes: every request meets a block. */
const BLOCK_EVERY_MS = 70;
const BLOCK_FOR_MS = 60;
const SERVER_MS = 30;

/** Synchronous work that holds the event loop, like a big JSON.parse or a sync crypto call. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

export const eventLoopBlocked: Scenario = {
  name: 'event-loop-blocked',
  title: 'A blocked event loop inflates the measured wait',
  reproduces:
    `While ${REQUESTS} requests run, the process does ${BLOCK_FOR_MS} ms of synchronous work every ${BLOCK_EVERY_MS} ms. ` +
    'The responses arrive on time but sit unread until the loop is free, so "wait" looks like a slow server.',
  expected: 'event-loop-blocked',
  beforeConfig: `${BLOCK_FOR_MS} ms synchronous work every ${BLOCK_EVERY_MS} ms on the client's loop`,
  afterConfig: 'the same work moved off the loop (no synchronous blocking while requests run)',
  // the median, not p99: on a loaded machine the slowest of ten requests is noise, while every request meets a block
  metric: { key: 'waitP50', better: 'lower', minImprovement: 0.3 },
  async run(variant, ctx) {
    const server = await startHttpServer(okHandler({ delayMs: SERVER_MS }), { keepAliveTimeout: 5000 });
    const pool = new Pool(server.origin, { connections: 2 });
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    let blocker: NodeJS.Timeout | undefined;
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal }) => {
        histogram.enable();
        if (variant === 'before') blocker = setInterval(() => busy(BLOCK_FOR_MS), BLOCK_EVERY_MS);
        await paced(Array(REQUESTS).fill(15), signal, () => undiciGet(pool, server.origin, '/', signal));
        clearInterval(blocker);
        histogram.disable();
        await pool.close();
        return {
          keepAliveEnabled: true,
          eventLoop: { maxDelayMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6 },
        };
      });
    } finally {
      clearInterval(blocker);
      histogram.disable();
      await pool.destroy().catch(() => undefined);
      await server.close();
    }
  },
};
