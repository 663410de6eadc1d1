import type { ConnectionRecord } from './connection.js';
import type { Facts } from './facts.js';
import { DurationHistogram, type Distribution, type PercentilePoint } from './histogram.js';
import { PHASE_NAMES, type PhaseName } from './phases.js';
import type { RequestError, RequestTrace } from './request.js';
import { ownTime, totalStall } from './stall.js';

export type StatPhase = PhaseName | 'total';
/** Every phase and the total: what a Session's stats summarise. */
export const STAT_PHASES: readonly StatPhase[] = [...PHASE_NAMES, 'total'];

/** One TLS handshake as its source saw it: resumed or full, and how long it took when known. */
export interface HandshakeSeen {
  resumed: boolean;
  ms?: number;
}

/** The handshake a connection record describes (the tracer's, the probe's, the engines'): none without TLS. */
export function handshakeOf(c: ConnectionRecord): HandshakeSeen | undefined {
  return c.tls ? { resumed: c.tls.resumed, ms: establishmentOf(c)?.tls } : undefined;
}

/**
 * An error on a connection that had already served a request: the stale-socket race. The error's
 * own flag (classifyError) or the request's `reused`, whichever the source could set.
 */
export function errorOnReusedSocket(r: RequestTrace): boolean {
  return r.error !== undefined && (r.error.onReusedSocket || r.reused);
}

/**
 * A record's establishment phases. Typed as always there, but `connscope run` feeds records from the host's
 * process and a summary must never throw into it over a record built elsewhere without them.
 */
function establishmentOf(c: ConnectionRecord): ConnectionRecord['establishment'] | undefined {
  return (c as Partial<ConnectionRecord>).establishment;
}

/** Distinct close keys and origins counted at most: a long `connscope run` or a hostile peer must not grow the maps. */
const MAX_CLOSE_KEYS = 200;
const MAX_ORIGINS = 10_000;

/**
 * The one place connscope summarises records: counters and duration histograms (the model's
 * DurationHistogram, so constant memory however many records), fed one record at a time and
 * mergeable. Every derived figure — reuse rate, requests per connection, blocked share, the
 * full/resumed handshake split — is computed here and nowhere else: `Session.stats()`, bench's
 * tally, the capture summary, the lab's metrics and the rules all read it from an accumulator.
 *
 * Requests: `addRequest()` for a record, `addReusedOk()` for a load engine's reused success counted
 * without a record (allocation-free). Connections: `addConnection()` for a record as it stands (its
 * `requests` count final or current), or `connectionOpened()` and `connectionClosed()` for a source
 * that sees the two events apart (bench).
 */
export class StatsAccumulator {
  /** Requests seen (records, or counted by addReusedOk). */
  requests = 0;
  errors = 0;
  errorsOnReusedSockets = 0;
  reused = 0;
  connections = 0;
  private readonly perOrigin = new Map<string, number>();
  private readonly closeKeys = new Map<string, number>();
  readonly handshakes = { full: 0, resumed: 0 };

  private readonly phases: Partial<Record<StatPhase, DurationHistogram>> = {};
  private readonly kept: ReadonlySet<StatPhase>;
  // Each phase's histogram in its own field: addRequest() runs once per request on bench's record path,
  // and keyed lookups over phase names cost it five times the named loads (measured: 280 vs 50 ns).
  // `declare`: no field initialiser runs before the constructor sets them, so V8 sees each field hold a
  // histogram from the start (an `undefined` first made the hot path's calls ~40 % slower).
  private declare readonly hBlocked: DurationHistogram | undefined;
  private declare readonly hDns: DurationHistogram | undefined;
  private declare readonly hConnect: DurationHistogram | undefined;
  private declare readonly hTls: DurationHistogram | undefined;
  private declare readonly hSend: DurationHistogram | undefined;
  private declare readonly hWait: DurationHistogram | undefined;
  private declare readonly hReceive: DurationHistogram | undefined;
  private declare readonly hTotal: DurationHistogram | undefined;
  private readonly setup = new Map<'tls' | 'total', DurationHistogram>();
  private fullHandshakeMs: DurationHistogram | undefined;
  private resumedHandshakeMs: DurationHistogram | undefined;
  private maxIndex = 0;
  /** Requests served, as connection records report them (addConnection). */
  private served = 0;
  private maxServed = 0;
  private servedKnown = false;
  /** Wall time in blocked and in total; the blocked share subtracts the stalls inside them (own time, model/stall.ts). */
  private blockedMs = 0;
  private totalMs = 0;
  private blockedStallMs = 0;
  private totalStallMs = 0;
  /** Time in loopQueueMs, where the source could see it. */
  private loopQueueMs = 0;
  private loopQueueSeen = 0;
  /** Time requests queued that their records do not show (added by the source that measured it). */
  private unseenBlockedMs = 0;

  /** @param options.phases the phases to keep distributions of (default all and the total). */
  constructor(options: { phases?: readonly StatPhase[] } = {}) {
    const kept = options.phases ?? STAT_PHASES;
    this.kept = new Set(kept);
    for (const p of kept) this.phases[p] = new DurationHistogram();
    const h = this.phases;
    this.hBlocked = h.blocked;
    this.hDns = h.dns;
    this.hConnect = h.connect;
    this.hTls = h.tls;
    this.hSend = h.send;
    this.hWait = h.wait;
    this.hReceive = h.receive;
    this.hTotal = h.total;
  }

  /** An accumulator over a set of records (what `Session.stats()` and the rules read). */
  static of(connections: Iterable<ConnectionRecord>, requests: Iterable<RequestTrace>, facts?: Facts): StatsAccumulator {
    const acc = new StatsAccumulator();
    for (const c of connections) acc.addConnection(c);
    for (const r of requests) acc.addRequest(r);
    // a client that measured its streams' wait for a slot the tracer timed as `wait` (facts.ts)
    if (facts?.http2?.queuedMs) acc.addUnseenBlocked(facts.http2.queuedMs);
    return acc;
  }

  addRequest(r: RequestTrace): void {
    this.requests++;
    if (r.reused) this.reused++;
    if (r.error) {
      this.errors++;
      if (errorOnReusedSocket(r)) this.errorsOnReusedSockets++;
    }
    const index = r.requestIndexOnConnection;
    if (index !== undefined && index > this.maxIndex) this.maxIndex = index;
    const p = r.phases;
    if (p.blocked !== undefined) this.hBlocked?.recordMs(p.blocked);
    if (p.dns !== undefined) this.hDns?.recordMs(p.dns);
    if (p.connect !== undefined) this.hConnect?.recordMs(p.connect);
    if (p.tls !== undefined) this.hTls?.recordMs(p.tls);
    if (p.send !== undefined) this.hSend?.recordMs(p.send);
    if (p.wait !== undefined) this.hWait?.recordMs(p.wait);
    if (p.receive !== undefined) this.hReceive?.recordMs(p.receive);
    this.hTotal?.recordMs(p.total);
    // own time: a request queued behind its own stalled loop did not wait for the pool
    const stall = r.stalls;
    if (p.blocked !== undefined) this.blockedMs += p.blocked;
    this.totalMs += p.total;
    if (stall) {
      if (p.blocked !== undefined) this.blockedStallMs += p.blocked - ownTime(p.blocked, stall.blocked);
      this.totalStallMs += p.total - ownTime(p.total, totalStall(stall));
    }
    if (r.loopQueueMs !== undefined) {
      this.loopQueueMs += r.loopQueueMs;
      this.loopQueueSeen++;
    }
  }

  /**
   * A request counted without a trace (`connscope run`'s tally of a sampled-out request): its count,
   * reuse, error and total time; it has no phases, index or stalls.
   */
  addCounted(reused: boolean, error: RequestError | undefined, totalMs: number): void {
    this.requests++;
    if (reused) this.reused++;
    if (error) {
      this.errors++;
      if (error.onReusedSocket || reused) this.errorsOnReusedSockets++;
    }
    this.hTotal?.recordMs(totalMs);
    this.totalMs += totalMs;
  }

  /**
   * A successful request on a reused connection, counted without a record (the raw and h2 engines'
   * hot path): no allocation, a few additions and two or three histogram increments.
   */
  addReusedOk(blockedMs: number, waitMs: number, totalMs: number, index: number): void {
    this.requests++;
    this.reused++;
    if (index > this.maxIndex) this.maxIndex = index;
    this.hBlocked?.recordMs(blockedMs);
    this.hWait?.recordMs(waitMs);
    this.hTotal?.recordMs(totalMs);
    this.blockedMs += blockedMs;
    this.totalMs += totalMs;
  }

  /** Queue time a source measured that its records do not carry (their `blocked` misses it); counts toward blockedShare. */
  addUnseenBlocked(ms: number): void {
    if (ms > 0) this.unseenBlockedMs += ms;
  }

  /** A connection opened: counted once, with its origin, establishment and handshake. */
  connectionOpened(c: ConnectionRecord, handshake: HandshakeSeen | undefined = handshakeOf(c)): void {
    this.connections++;
    bump(this.perOrigin, c.origin, MAX_ORIGINS);
    const e = establishmentOf(c);
    if (e) {
      this.setupHist('total').recordMs(e.total);
      if (e.tls !== undefined) this.setupHist('tls').recordMs(e.tls);
    }
    if (!handshake) return;
    if (handshake.resumed) this.handshakes.resumed++;
    else this.handshakes.full++;
    if (handshake.ms === undefined) return;
    if (handshake.resumed) (this.resumedHandshakeMs ??= new DurationHistogram()).recordMs(handshake.ms);
    else (this.fullHandshakeMs ??= new DurationHistogram()).recordMs(handshake.ms);
  }

  /** A connection closed: counted by `closedBy:reason` ('unknown' for what the record does not say). */
  connectionClosed(c: ConnectionRecord): void {
    bump(this.closeKeys, `${c.close?.closedBy ?? 'unknown'}:${c.close?.reason ?? 'unknown'}`, MAX_CLOSE_KEYS);
  }

  /** A connection record as it stands: opened, its requests served, and its close when it has one. */
  addConnection(c: ConnectionRecord, handshake: HandshakeSeen | undefined = handshakeOf(c)): void {
    this.connectionOpened(c, handshake);
    this.servedKnown = true;
    this.served += c.requests;
    if (c.requests > this.maxServed) this.maxServed = c.requests;
    if (c.close) this.connectionClosed(c);
  }

  /** Adds another accumulator's counts (per-worker or per-interval accumulators into a total). */
  merge(o: StatsAccumulator): void {
    this.requests += o.requests;
    this.errors += o.errors;
    this.errorsOnReusedSockets += o.errorsOnReusedSockets;
    this.reused += o.reused;
    this.connections += o.connections;
    for (const [k, v] of o.perOrigin) bump(this.perOrigin, k, MAX_ORIGINS, v);
    for (const [k, v] of o.closeKeys) bump(this.closeKeys, k, MAX_CLOSE_KEYS, v);
    this.handshakes.full += o.handshakes.full;
    this.handshakes.resumed += o.handshakes.resumed;
    for (const p of STAT_PHASES) {
      const h = o.phases[p];
      if (h && this.kept.has(p)) this.phases[p]!.merge(h);
    }
    for (const [k, h] of o.setup) this.setupHist(k).merge(h);
    if (o.fullHandshakeMs) (this.fullHandshakeMs ??= new DurationHistogram()).merge(o.fullHandshakeMs);
    if (o.resumedHandshakeMs) (this.resumedHandshakeMs ??= new DurationHistogram()).merge(o.resumedHandshakeMs);
    if (o.maxIndex > this.maxIndex) this.maxIndex = o.maxIndex;
    this.served += o.served;
    if (o.maxServed > this.maxServed) this.maxServed = o.maxServed;
    this.servedKnown ||= o.servedKnown;
    this.blockedMs += o.blockedMs;
    this.totalMs += o.totalMs;
    this.blockedStallMs += o.blockedStallMs;
    this.totalStallMs += o.totalStallMs;
    this.loopQueueMs += o.loopQueueMs;
    this.loopQueueSeen += o.loopQueueSeen;
    this.unseenBlockedMs += o.unseenBlockedMs;
  }

  /** Connections opened per origin (scheme://host:port). */
  connectionsPerOrigin(): Record<string, number> {
    return Object.fromEntries(this.perOrigin);
  }

  /** Connections closed by `'closedBy:reason'`. */
  closes(): Record<string, number> {
    return Object.fromEntries(this.closeKeys);
  }

  // ---- derived figures: computed here only ----

  /** Share of requests that ran on a reused connection (0..1); null without requests. */
  reuseRate(): number | null {
    return this.requests ? this.reused / this.requests : null;
  }

  /** Requests the connections served: their own counts when the records carry them, else the requests counted. */
  requestsServed(): number {
    return this.servedKnown ? this.served : this.requests;
  }

  /**
   * Requests per connection: from the connections' own counts when the records carry them (a session,
   * a capture, where some requests are not records), else from the requests counted over the
   * connections opened (bench, which sees connections open before they served anything).
   */
  requestsPerConnection(): { mean: number; max: number } | null {
    if (!this.connections) return null;
    return { mean: this.requestsServed() / this.connections, max: this.servedKnown ? this.maxServed : this.maxIndex };
  }

  /**
   * Share of request time spent waiting for a connection (0..1): blocked over total, both as own time
   * (the process's own event-loop stalls taken out, model/stall.ts), plus queue time a source measured
   * that its records do not show. Null without request time.
   */
  blockedShare(): number | null {
    const total = this.totalMs - this.totalStallMs;
    return total > 0 ? Math.min(1, (this.blockedMs - this.blockedStallMs + this.unseenBlockedMs) / total) : null;
  }

  /**
   * Share of request time between a connection being free and the client writing the request (the
   * event loop's delay, not the pool); null when no source could see that moment.
   */
  loopQueueShare(): number | null {
    return this.totalMs > 0 && this.loopQueueSeen > 0 ? this.loopQueueMs / this.totalMs : null;
  }

  /** TLS handshake times split full / resumed. */
  handshakeMs(): { full?: Distribution; resumed?: Distribution } {
    const out: { full?: Distribution; resumed?: Distribution } = {};
    const full = this.fullHandshakeMs?.summary();
    const resumed = this.resumedHandshakeMs?.summary();
    if (full) out.full = full;
    if (resumed) out.resumed = resumed;
    return out;
  }

  /** A phase's distribution over the requests where it was present; undefined when none had it (or it is not kept). */
  phase(name: StatPhase): Distribution | undefined {
    return this.phases[name]?.summary();
  }

  /** A phase at the fixed percentiles of an HDR plot. */
  phaseCurve(name: StatPhase): PercentilePoint[] {
    return this.phases[name]?.curve() ?? [];
  }

  /** Connection establishment: its TLS part or the whole (dns + connect + tls), per connection opened. */
  establishment(name: 'tls' | 'total'): Distribution | undefined {
    return this.setup.get(name)?.summary();
  }

  /** The figures as `Session.stats()` returns them (docs/model.md#stats). */
  sessionStats(): SessionStats {
    const phases: SessionStats['phases'] = {};
    for (const n of STAT_PHASES) {
      const d = this.phase(n);
      if (d) phases[n] = d;
    }
    return {
      requests: this.requests,
      errors: this.errors,
      errorsOnReusedSockets: this.errorsOnReusedSockets,
      connections: this.connections,
      reuseRate: this.reuseRate(),
      requestsPerConnection: this.requestsPerConnection(),
      connectionsPerOrigin: this.connectionsPerOrigin(),
      handshakes: { ...this.handshakes },
      phases,
      closes: this.closes(),
      blockedShare: this.blockedShare(),
      handshakeMs: this.handshakeMs(),
    };
  }

  private setupHist(name: 'tls' | 'total'): DurationHistogram {
    let h = this.setup.get(name);
    if (!h) this.setup.set(name, (h = new DurationHistogram()));
    return h;
  }
}

export interface SessionStats {
  requests: number;
  errors: number;
  /** Errors on a connection that had already served a request (the stale-socket race). */
  errorsOnReusedSockets: number;
  connections: number;
  /** Share of requests that ran on a reused connection (0..1); null without requests. */
  reuseRate: number | null;
  requestsPerConnection: { mean: number; max: number } | null;
  connectionsPerOrigin: Record<string, number>;
  handshakes: { full: number; resumed: number };
  /** Distribution of each phase over the requests where it is present. */
  phases: Partial<Record<StatPhase, Distribution>>;
  /** `'closedBy:reason'` → connections. */
  closes: Record<string, number>;
  /** Share of request time spent waiting for a connection (own time, 0..1); null without requests. */
  blockedShare: number | null;
  /** TLS handshake times, full and resumed. */
  handshakeMs: { full?: Distribution; resumed?: Distribution };
}

/** Counts a key, a new one only while the map holds fewer than `max` keys. */
function bump(map: Map<string, number>, key: string, max: number, by = 1): void {
  const n = map.get(key);
  if (n !== undefined) map.set(key, n + by);
  else if (map.size < max) map.set(key, by);
}

/**
 * Resumption rate over the first and last third of a run's TLS handshakes, in the order they
 * happened (the very first excluded: nothing to resume before it); undefined below six. Bench and
 * the capture fill facts.tls.resumptionRateEarly/Late from it; resumption-lost reads them.
 */
export function resumptionEarlyLate(resumed: ArrayLike<boolean>): { early: number; late: number; handshakes: number } | undefined {
  const n = resumed.length - 1;
  if (n < 6) return undefined;
  const third = Math.floor(n / 3);
  const rate = (from: number, to: number): number => {
    let k = 0;
    for (let i = from; i < to; i++) if (resumed[i]) k++;
    return k / (to - from);
  };
  return { early: rate(1, 1 + third), late: rate(resumed.length - third, resumed.length), handshakes: n };
}
