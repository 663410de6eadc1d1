import http from 'node:http';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { inParallel, nodeGet } from '../clients.js';
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
        let unconsumed = 0;
        // sample in-flight requests the way leak detection does: responses sitting in 'receiving'
        const sampler = (async () => {
          await sleep(PATIENCE_MS - 200, undefined, { signal }).catch(() => undefined);
          unconsumed = tracer.inflight().filter((r) => r.state === 'receiving' && (r.sinceHeadersMs ?? 0) >= UNREAD_AFTER_MS).length;
        })();
        await inParallel(REQUESTS, REQUESTS, patience, () => nodeGet(server.origin + '/', { agent, signal: patience, consume }));
        if (!consume && !patience.aborted) await new Promise((resolve) => patience.addEventListener('abort', resolve, { once: true }));
        await sampler;
        return { keepAliveEnabled: true, poolSize: POOL, concurrency: REQUESTS, unconsumedBodies: unconsumed, unconsumedBodiesByOrigin: { [server.origin]: unconsumed } };
      });
    } finally {
      agent.destroy();
      await server.close();
    }
  },
};
