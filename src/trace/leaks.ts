import type { ConnectionRecord } from '../model/connection.js';
import type { Facts } from '../model/facts.js';
import type { RequestTrace } from '../model/request.js';
import type { Tracer } from './types.js';
import { BoundedCounter, BoundedSets } from './leaks-bounded.js';

export interface WatchLeaksOptions {
  /** Sampling interval in ms (default 1000). */
  intervalMs?: number;
  /** A response whose headers arrived this long ago with its body still unread counts as unconsumed (ms, default 5000). */
  unconsumedAfterMs?: number;
  /** Samples kept per origin, oldest dropped first (default 120). */
  maxSamples?: number;
  /** Origins tracked; later origins are ignored (default 200). */
  maxOrigins?: number;
  /** Stop sampling by itself after this long (ms); default: until stop(). */
  durationMs?: number;
  /** Facts to keep up to date in place after every sample (e.g. a Session's facts). */
  facts?: Facts;
  /**
   * Also count the open sockets the process's pools report (default true): the only count of
   * connections opened before the tracer started. A tracer started with the process (`connscope
   * run`, `--import connscope/register`) has seen every connection open, and reading every pool's
   * stats each second (undici walks all its clients per stat, in code that runs too seldom to be
   * optimised) was most of a sample's cost.
   */
  pools?: boolean;
}

export type LeakFacts = Pick<Facts, 'poolsCreated' | 'unconsumedBodies' | 'unconsumedBodiesByOrigin' | 'socketSamples'>;

export interface LeakWatcher {
  /** Takes one sample now (the timer calls it every interval). */
  sample(): void;
  /** The leak facts so far: pools per origin, unread bodies, open-socket samples. */
  facts(): LeakFacts;
  /** Stops the timer and event listeners; the facts stay readable. Idempotent. */
  stop(): void;
}

/** Ids of requests remembered as unconsumed, at most (each is counted once). */
const MAX_UNCONSUMED_IDS = 10_000;
/** Pool ids remembered per origin, at most. */
const MAX_POOLS_PER_ORIGIN = 10_000;
/** Open connections remembered per origin, at most (a missed close event must not grow memory forever). */
const MAX_OPEN_PER_ORIGIN = 100_000;

/**
 * Watches a tracer for socket leaks: distinct pools per origin (pool-per-request), responses whose
 * bodies stay unread while holding their socket (unconsumed-body), and open sockets per origin over
 * time against in-flight requests (sockets-growing). Memory is bounded by the options; the timer is unref'd.
 */
export function watchLeaks(tracer: Tracer, options: WatchLeaksOptions = {}): LeakWatcher {
  const intervalMs = options.intervalMs ?? 1000;
  const unconsumedAfterMs = options.unconsumedAfterMs ?? 5000;
  const maxSamples = options.maxSamples ?? 120;
  const maxOrigins = options.maxOrigins ?? 200;
  const started = performance.now();

  const pools = new BoundedSets(maxOrigins, MAX_POOLS_PER_ORIGIN);
  const open = new BoundedSets(maxOrigins, MAX_OPEN_PER_ORIGIN);
  const unconsumedIds = new Set<string>();
  const unconsumedByOrigin = new BoundedCounter(maxOrigins);
  const samples: Record<string, Array<{ atMs: number; open: number; inflight: number }>> = {};
  let stopped = false;

  const onConnection = (c: ConnectionRecord): void => {
    if (c.poolId !== undefined) pools.add(c.origin, c.poolId);
    if (c.closedAt === undefined) open.add(c.origin, c.id);
  };
  const onClose = (c: ConnectionRecord): void => {
    open.delete(c.origin, c.id);
  };
  const onRequest = (r: RequestTrace): void => {
    if (r.poolId !== undefined) pools.add(r.origin, r.poolId);
  };
  tracer.on('connection', onConnection).on('close', onClose).on('request', onRequest);

  const sample = (): void => {
    if (stopped) return;
    const at = performance.now() - started;
    // counts, not a view per request: this runs every second, too seldom for its code to be optimised.
    // (An in-flight request's pool is its connection's, which onConnection already counted.)
    const { counts: inflight, stuck } = tracer.inflightByOrigin(unconsumedAfterMs);
    for (const r of stuck) {
      // a stuck body is not concurrency: it is the leak
      if (r.poolId !== undefined) pools.add(r.origin, r.poolId);
      if (!unconsumedIds.has(r.id) && unconsumedIds.size < MAX_UNCONSUMED_IDS) {
        unconsumedIds.add(r.id);
        unconsumedByOrigin.add(r.origin);
      }
    }
    // pools the tracer can see give a second count of open sockets (connections opened before we started)
    const pooled = new Map<string, number>();
    if (options.pools !== false) for (const p of safeSnapshot(tracer)) pooled.set(p.origin, (pooled.get(p.origin) ?? 0) + p.active + p.free);
    const origins = new Set([...open.keys(), ...pooled.keys(), ...inflight.keys()]);
    for (const origin of origins) {
      let series = samples[origin];
      if (!series) {
        if (Object.keys(samples).length >= maxOrigins) continue;
        series = samples[origin] = [];
      }
      series.push({ atMs: Math.round(at), open: Math.max(open.size(origin), pooled.get(origin) ?? 0), inflight: inflight.get(origin) ?? 0 });
      if (series.length > maxSamples) series.shift();
    }
    if (options.facts) Object.assign(options.facts, facts());
    if (options.durationMs !== undefined && at >= options.durationMs) stop();
  };

  const facts = (): LeakFacts => ({
    poolsCreated: pools.sizes(),
    unconsumedBodies: unconsumedIds.size,
    unconsumedBodiesByOrigin: unconsumedByOrigin.toRecord(),
    socketSamples: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.slice()])),
  });

  const timer = setInterval(sample, intervalMs);
  timer.unref();

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    tracer.off('connection', onConnection).off('close', onClose).off('request', onRequest);
  };

  return { sample, facts, stop };
}

function safeSnapshot(tracer: Tracer): ReturnType<Tracer['poolSnapshot']> {
  try {
    return tracer.poolSnapshot();
  } catch {
    return [];
  }
}
