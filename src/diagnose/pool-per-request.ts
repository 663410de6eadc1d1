import { finding, type Rule } from './engine.js';

/** Fewer pools than this per origin is ordinary (a couple of agents for different settings). */
const MIN_POOLS = 5;
/** Pools per request above which the pool is clearly created per request rather than shared. */
const MIN_POOLS_PER_REQUEST = 0.5;
const MAX_FINDINGS = 5;

/**
 * Many short-lived agents/pools/dispatchers for one origin: every request pays a new connection and
 * handshake, and the sockets of the abandoned pools linger. Distinct poolIds per origin are the evidence.
 */
export const poolPerRequest: Rule = {
  id: 'pool-per-request',
  evaluate(ctx) {
    const pools = new Map<string, Set<string>>();
    const requests = new Map<string, number>();
    const connections = new Map<string, number>();
    const addPool = (origin: string, poolId: string | undefined): void => {
      if (poolId === undefined) return;
      let set = pools.get(origin);
      if (!set) pools.set(origin, (set = new Set()));
      set.add(poolId);
    };
    for (const c of ctx.session.connections.values()) {
      if (c.source === 'server') continue;
      connections.set(c.origin, (connections.get(c.origin) ?? 0) + 1);
      addPool(c.origin, c.poolId);
    }
    for (const r of ctx.session.requests) {
      if (r.source === 'server') continue;
      requests.set(r.origin, (requests.get(r.origin) ?? 0) + 1);
      addPool(r.origin, r.poolId);
    }
    const created = ctx.session.facts.poolsCreated ?? {};
    const origins = new Set([...pools.keys(), ...Object.keys(created)]);
    const found = [];
    for (const origin of origins) {
      const n = Math.max(pools.get(origin)?.size ?? 0, created[origin] ?? 0);
      const reqs = requests.get(origin) ?? 0;
      if (n < MIN_POOLS || n / Math.max(reqs, n) < MIN_POOLS_PER_REQUEST) continue;
      found.push({ origin, n, reqs, conns: connections.get(origin) ?? 0 });
    }
    found.sort((a, b) => b.n - a.n);
    return found.slice(0, MAX_FINDINGS).map((f) =>
      finding('pool-per-request', {
        evidence: { origin: f.origin, pools: f.n, requests: f.reqs, connections: f.conns },
        fix: {
          summary: `${f.n} separate pools talked to ${f.origin} for ${f.reqs} requests: create one agent/dispatcher per origin at startup and reuse it.`,
          nodeHttp: 'const agent = new http.Agent({ keepAlive: true }) once at module level; pass it to every request (never `new Agent()` inside the request path)',
          undici: 'one `new Pool(origin)` / `new Agent()` at startup, shared; call close() only on shutdown',
          fetch: 'pass one shared `dispatcher` (or none: the global one) instead of creating an Agent per fetch',
        },
      }),
    );
  },
};
