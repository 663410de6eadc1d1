import { ConnscopeError, OptionError } from '../errors.js';
import { TracerCore } from './core.js';
import type { BlockingFunction } from '../model/facts.js';
import { EventLoopSampler } from './event-loop.js';
import { StallProfiler } from './stall-profile.js';
import { traceHttp } from './http-client.js';
import { traceHttp2 } from './http2-client.js';
import { agentSnapshot, dispatcherSnapshot, globalAgents, globalDispatcher, isHttpAgent, undiciPoolKey } from './pool-snapshot.js';
import type { ServerConnectionCounts } from './server/types.js';
import { traceServers } from './servers.js';
import { knownPools } from './undici-queue-hook.js';
import type { InflightRequest, InstrumentOptions, PoolSnapshot, Tracer, TracerEvents } from './types.js';
import { traceUndici } from './undici-client.js';

/**
 * An undici Agent reports per-origin stats that repeat those of its inner Pool, which the snapshot
 * also lists (with a poolId): keep the Pool's entry.
 */
function dropAgentDuplicates(entries: PoolSnapshot[]): PoolSnapshot[] {
  const withId = entries.filter((e) => e.kind === 'undici' && e.poolId !== undefined);
  return entries.filter(
    (e) => e.kind !== 'undici' || e.poolId !== undefined || !withId.some((p) => p.origin === e.origin && p.active === e.active && p.free === e.free && p.queued === e.queued),
  );
}

class TracerHandle implements Tracer {
  private readonly stops: (() => void)[] = [];
  private servers: (() => ServerConnectionCounts) | undefined;
  private profiler: StallProfiler | undefined;
  /** What the profiler found by the time the tracer stopped. */
  private lastBlockedBy: BlockingFunction[] = [];

  constructor(
    private readonly core: TracerCore,
    private readonly sampler: EventLoopSampler | undefined,
  ) {}

  get active(): boolean {
    return this.core.active;
  }

  start(options: InstrumentOptions): void {
    const starters: [boolean, string, (core: TracerCore) => () => void][] = [
      [options.http !== false, 'http', traceHttp],
      [options.undici !== false, 'undici', traceUndici],
      [options.http2 !== false, 'http2', traceHttp2],
    ];
    if (options.server) {
      const serverOptions = options.server === true ? {} : options.server;
      starters.push([
        true,
        'server',
        (core) => {
          const servers = traceServers(core, serverOptions);
          this.servers = servers.counts;
          return servers.stop;
        },
      ]);
    }
    for (const [enabled, name, start] of starters) {
      if (!enabled) continue;
      try {
        this.stops.push(start(this.core));
      } catch (error) {
        this.core.fail(`start:${name}`, error);
      }
    }
    if (this.sampler) {
      this.sampler.start();
      this.stops.push(() => this.sampler?.stop());
      if (options.profile) {
        const sampler = this.sampler;
        const profiler = new StallProfiler(() => sampler.windows(sampler.options.blockedMs));
        if (profiler.start()) {
          this.profiler = profiler;
          this.stops.push(() => {
            this.lastBlockedBy = profiler.stop();
            this.profiler = undefined;
          });
        } else {
          this.core.fail('start:profile', new ConnscopeError('CONNSCOPE_ERR_UNSUPPORTED', 'the inspector profiler is not available'));
        }
      }
    }
    for (const d of options.dispatchers ?? []) this.watchPool(d);
  }

  on<E extends keyof TracerEvents>(event: E, listener: (...args: TracerEvents[E]) => void): this {
    this.core.events.on(event, listener);
    return this;
  }

  off<E extends keyof TracerEvents>(event: E, listener: (...args: TracerEvents[E]) => void): this {
    this.core.events.off(event, listener);
    return this;
  }

  watchPool(pool: object): void {
    this.core.rememberPool(pool);
  }

  poolSnapshot(): PoolSnapshot[] {
    const out: PoolSnapshot[] = [];
    try {
      const owners = new Set<object>(globalAgents());
      const gd = globalDispatcher();
      if (gd) owners.add(gd);
      for (const ref of this.core.pools) {
        const o = ref.deref();
        if (o) owners.add(o);
      }
      for (const p of knownPools()) owners.add(p);
      for (const o of owners) {
        const http = isHttpAgent(o);
        const entries = http ? agentSnapshot(o) : dispatcherSnapshot(o);
        const key = http ? o : undiciPoolKey(o);
        const poolId = key ? this.core.poolIds.of(key, http ? 'agent' : 'undici') : undefined;
        for (const e of entries) out.push(poolId ? { ...e, poolId } : e);
      }
    } catch (error) {
      this.core.fail('poolSnapshot', error);
    }
    return dropAgentDuplicates(out);
  }

  inflight(): InflightRequest[] {
    return this.core.inflight();
  }

  inflightByOrigin(stuckAfterMs: number): { counts: Map<string, number>; stuck: InflightRequest[] } {
    return this.core.inflightByOrigin(stuckAfterMs);
  }

  serverCounts(): ServerConnectionCounts {
    return this.servers?.() ?? { active: 0, idle: 0, requests: 0 };
  }

  eventLoopMaxLagMs(): number {
    return this.sampler?.maxLagMs ?? 0;
  }

  eventLoopBlockedBy(): BlockingFunction[] {
    try {
      return this.profiler?.blockedBy() ?? this.lastBlockedBy;
    } catch (error) {
      this.core.fail('eventLoopBlockedBy', error);
      return [];
    }
  }

  stop(): void {
    if (!this.core.active) return;
    for (const s of this.stops.splice(0)) {
      try {
        s();
      } catch (error) {
        this.core.fail('stop', error);
      }
    }
    this.core.stop();
  }
}

/**
 * Starts tracing HTTP clients in this process: node:http(s), undici / fetch and node:http2; with
 * `server: true`, the process's servers too.
 * Nothing is subscribed or patched until this is called, and stop() undoes it all.
 */
export function instrument(options: InstrumentOptions = {}): Tracer {
  const rate = options.sampleRate ?? 1;
  // A programming error in the options, reported at once rather than tracing something else.
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new OptionError('sampleRate', options.sampleRate, 'a number from 0 to 1');
  const sampler = options.eventLoop === false ? undefined : new EventLoopSampler({ intervalMs: options.eventLoopIntervalMs ?? 10, blockedMs: options.eventLoopBlockedMs ?? 50 });
  const core = new TracerCore(options.filter, sampler, rate);
  const handle = new TracerHandle(core, sampler);
  handle.start(options);
  return handle;
}
