import type { ConnectionRecord } from '../model/connection.js';
import { ownTime } from '../model/stall.js';
import { finding, type Rule } from './engine.js';

/** The lookup was issued while the threadpool already had as many tasks as threads: it queued. */
export function queuedInThreadpool(c: ConnectionRecord): boolean {
  const t = c.establishment.threadpool;
  return t !== undefined && t.tasks > t.size;
}

/**
 * Slow lookups that queued for a libuv thread (dns.lookup runs getaddrinfo on the threadpool) rather
 * than waited for a slow resolver. Judged on the lookup's own time (its stall share taken off).
 */
export const dnsThreadpoolSaturated: Rule = {
  id: 'dns-threadpool-saturated',
  evaluate({ session, thresholds }) {
    const limit = thresholds.slowDnsMs;
    let lookups = 0;
    let queued = 0;
    let maxTasks = 0;
    let size: number | undefined;
    const slowMs: number[] = [];
    for (const c of session.connections.values()) {
      const dns = c.establishment.dns;
      if (dns === undefined) continue;
      lookups++;
      const t = c.establishment.threadpool;
      if (t) {
        size = t.size;
        if (t.tasks > maxTasks) maxTasks = t.tasks;
      }
      const own = ownTime(dns, c.establishment.stalls?.dns);
      if (own > limit && queuedInThreadpool(c)) {
        queued++;
        slowMs.push(own);
      }
    }
    if (queued === 0) return undefined;
    slowMs.sort((a, b) => a - b);
    return finding('dns-threadpool-saturated', {
      evidence: {
        thresholdMs: limit,
        queuedSlowLookups: queued,
        lookups,
        threadpoolSize: size ?? null,
        maxTasksInFlight: maxTasks,
        medianMs: round(slowMs[Math.floor(slowMs.length / 2)]!),
        maxMs: round(slowMs[slowMs.length - 1]!),
      },
      fix: {
        summary:
          'Lookups waited for a libuv threadpool thread, not for the resolver: dns.lookup() (the default of node:http, undici and fetch) runs getaddrinfo on UV_THREADPOOL_SIZE threads (default 4) shared with fs, crypto and zlib. Enlarge the pool, make fewer lookups (cache them, keep connections alive), or resolve off the pool.',
        nodeHttp:
          'start node with UV_THREADPOOL_SIZE=16 or more in its environment (read once, when the pool starts); new http.Agent({ keepAlive: true, lookup: cacheable.lookup }) with the cacheable-lookup package; or a lookup built on dns.resolve4/resolve6 (c-ares, not the threadpool)',
        undici: 'new Agent().compose(interceptors.dns()) caches lookups; or new Agent({ connect: { lookup } }) with a dns.resolve*-based lookup; UV_THREADPOOL_SIZE as for node:http',
        fetch: 'fetch(url, { dispatcher: new Agent().compose(interceptors.dns()) }); UV_THREADPOOL_SIZE as for node:http',
      },
    });
  },
};

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
