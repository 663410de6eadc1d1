import http from 'node:http';
import { setMaxListeners } from 'node:events';
import { inParallel, nodeGet } from '../clients.js';
import { watchLeaks } from '../../trace/leaks.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpServer } from '../servers.js';

const POOL = 2;
const REQUESTS = 6;
/** Larger than the socket buffers, so an unread body keeps its response (and socket) unfinished. */
const BODY_BYTES = 1024 * 1024;
/** How long the caller waits for its responses before giving up on them. */
const PATIENCE_MS = 1500;
/** A response whose body has sat unread this long counts as abandoned. */
const UNREAD_AFTER_MS = 500;

export const unreadBody: Scenario = {
  name: 'unread-body',
  title: 'Response bodies never read: the pool stalls',
  reproduces:
    `${REQUESTS} requests through an Agent with maxSockets ${POOL}; the caller looks at the status and never reads the ${BODY_BYTES / 1024 / 1024} MiB body. ` +
    `The first ${POOL} responses keep their sockets, the rest wait for a socket that never frees up until the caller gives up after ${PATIENCE_MS} ms.`,
  expected: 'unconsumed-body',
  beforeConfig: `http.Agent({ keepAlive: true, maxSockets: ${POOL} }), bodies left unread`,
  afterConfig: 'same Agent, every body consumed (res.resume() when the body is not needed)',
  metric: { key: 'failures', better: 'lower' },
  async run(variant, ctx) {
    const server = await startHttpServer(okHandler({ bodyBytes: BODY_BYTES }), { keepAliveTimeout: 5000 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: POOL });
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal, tracer }) => {
        const patience = AbortSignal.any([signal, AbortSignal.timeout(PATIENCE_MS)]);
        setMaxListeners(100, patience);
        const consume = variant === 'after';
        // leak detection as `instrument()` users run it: in-flight responses sitting in 'receiving'
        const leaks = watchLeaks(tracer, { intervalMs: 200, unconsumedAfterMs: UNREAD_AFTER_MS });
        await inParallel(REQUESTS, REQUESTS, patience, () => nodeGet(server.origin + '/', { agent, signal: patience, consume }));
        if (!consume && !patience.aborted) await new Promise((resolve) => patience.addEventListener('abort', resolve, { once: true }));
        leaks.stop();
        const { unconsumedBodies, unconsumedBodiesByOrigin } = leaks.facts();
        return { keepAliveEnabled: true, poolSize: POOL, concurrency: REQUESTS, unconsumedBodies, unconsumedBodiesByOrigin };
      });
    } finally {
      agent.destroy();
      await server.close();
    }
  },
};
