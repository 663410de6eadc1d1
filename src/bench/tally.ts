import { performance } from 'node:perf_hooks';
import { StatsAccumulator, resumptionEarlyLate } from '../model/accumulator.js';
import { parseKeepAliveHeader, type ConnectionRecord } from '../model/connection.js';
import type { Distribution } from '../model/histogram.js';
import type { RequestTrace } from '../model/request.js';
import { Session } from '../model/session.js';
import { DurationHistogram, type HistogramBin, type PercentilePoint } from './histogram.js';
import { PerSecond, type SecondSample } from './per-second.js';

/** Mean and p99 of one phase (ms) over the requests where it was present. */
export interface PhaseSummary {
  count: number;
  mean: number;
  p99: number;
}

export const BENCH_PHASES = ['blocked', 'connect', 'tls', 'wait'] as const;
export type BenchPhase = (typeof BENCH_PHASES)[number];

export interface BenchStats {
  /** Requests completed (successes and errors). */
  requests: number;
  durationMs: number;
  reqPerSec: number;
  errors: number;
  errorsByCode: Record<string, number>;
  /** Errors on a connection that had already served a request (the stale-socket race). */
  errorsOnReusedSockets: number;
  statusCodes: Record<string, number>;
  /** Latency from the intended send time (open model) or the send time (closed model). */
  latency: Distribution | null;
  phases: Partial<Record<BenchPhase, PhaseSummary>>;
  connectionsOpened: number;
  /** Share of requests that ran on a reused connection (0..1). */
  reuseRate: number | null;
  requestsPerConnection: { mean: number; max: number } | null;
  /** Connection establishment (dns + connect + tls) per new connection. */
  connectionSetup: PhaseSummary | null;
  handshakes: { full: number; resumed: number };
  /** Closes by `side:reason` ('server:server-idle-timeout', ...). */
  closes: Record<string, number>;
  /** Share of request time spent waiting for a pool slot: queued until a connection was free (0..1). */
  blockedShare: number | null;
  /**
   * Share of request time between a connection being free and the client writing the request:
   * waiting for the event loop (and the client's own one-turn check of an idle socket), not for
   * the pool. Null when the engine cannot see that moment (raw and h2 write on assignment).
   */
  loopQueueShare: number | null;
  /** Requests whose connection accounting was seen (traced); reuse/phases are over these. */
  tracedRequests: number;
  /** Latency at fixed percentiles (an HDR percentile plot), from the same histogram as `latency`. */
  latencyCurve: PercentilePoint[];
  /** Latency counts in log-spaced bins (the report's histogram line). */
  latencyBins: HistogramBin[];
  /** Each phase at the same fixed percentiles. */
  phaseCurves: Partial<Record<BenchPhase, PercentilePoint[]>>;
  /** Requests, errors and peak open connections per second of the measured run. */
  perSecond: SecondSample[];
}

/** Bounded samples kept for the rules; totals stay exact in the tally. */
const SAMPLE_REQUESTS = 5_000;
const SAMPLE_ERRORS = 5_000;
const SAMPLE_CONNECTIONS = 5_000;
const TIMELINE_MAX = 200_000;

/**
 * Everything a bench run counts, in constant memory: the model's StatsAccumulator for what the
 * records say (phases, reuse, handshakes, closes, blocked share: model/accumulator.ts), the caller's
 * latency (HDR) and outcome counters, and a bounded sample of records for the diagnosis, whose
 * Session reads its stats from the same accumulator.
 */
export class Tally {
  /** Latency as the caller saw it (from the intended send time in the open model). */
  readonly latency = new DurationHistogram();
  /** The records' figures over the whole measured window (phases of BENCH_PHASES only). */
  readonly acc = new StatsAccumulator({ phases: BENCH_PHASES });
  completed = 0;
  errors = 0;
  readonly errorsByCode: Record<string, number> = {};
  /**
   * Responses per status, indexed by the status (a status line has three digits): counting into an
   * object keyed by status was a generic keyed store per request, the costliest line of the tally.
   */
  private readonly statusCounts = new Float64Array(1000);
  /** Resumed or not per TLS connection in order, for resumption early/late (bounded). */
  private readonly resumedSeries: boolean[] = [];
  /** Idle time before each server-side idle close (ms), bounded. */
  readonly serverIdleCloses: number[] = [];
  /** The server's Keep-Alive timeout hint (ms), the first one seen. */
  hintedIdleTimeoutMs: number | undefined;
  h2Goaways = 0;
  readonly session = new Session({ maxRequests: SAMPLE_REQUESTS + SAMPLE_ERRORS });
  private sampledOk = 0;
  private sampledErr = 0;
  /** Requests, errors and open connections per second, from this tally's start. */
  readonly perSecond: PerSecond;

  /**
   * @param since monotonic ms (performance.now()) where this tally's window starts: requests and
   *   connections that started before it belong to the warm-up and are not counted here.
   * @param openConnections connections already open when this tally starts (left by a warm-up)
   */
  constructor(private readonly since = 0, openConnections = 0) {
    this.perSecond = new PerSecond(since || performance.now(), openConnections);
    // the rules read the run's totals, not the sample's
    this.session.totals = this.acc;
  }

  /** One finished request as the caller saw it; `now` when the caller has read the clock already. */
  outcome(latencyMs: number, status: number | undefined, errorCode: string | undefined, now = performance.now()): void {
    this.completed++;
    this.latency.recordMs(latencyMs);
    this.perSecond.request(errorCode !== undefined, now);
    if (errorCode !== undefined) {
      this.errors++;
      this.errorsByCode[errorCode] = (this.errorsByCode[errorCode] ?? 0) + 1;
    } else if (status !== undefined && status >= 0 && status < 1000) {
      this.statusCounts[status]!++;
    }
  }

  /** Responses per status code ('200': n), for the statuses seen. */
  get statusCodes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.statusCounts.length; i++) if (this.statusCounts[i]! > 0) out[i] = this.statusCounts[i]!;
    return out;
  }

  /** A request's connection accounting (from the tracer or an engine's own records). */
  request(r: RequestTrace): void {
    if (r.startedAt < this.since) return;
    this.acc.addRequest(r);
    if (r.responseHeaders?.keepAlive && this.hintedIdleTimeoutMs === undefined) {
      this.hintedIdleTimeoutMs = parseKeepAliveHeader(r.responseHeaders.keepAlive).timeoutMs;
    }
    if (r.error) {
      if (this.sampledErr < SAMPLE_ERRORS) {
        this.sampledErr++;
        this.session.addRequest(sampleCopy(r));
      }
    } else if (this.sampledOk < SAMPLE_REQUESTS) {
      this.sampledOk++;
      this.session.addRequest(sampleCopy(r));
    }
  }

  /**
   * A successful request on a reused connection, counted without building a record (the raw
   * engine's hot path). Returns false while the sample still wants full records.
   */
  reusedOk(blockedMs: number, waitMs: number, totalMs: number, index: number): boolean {
    if (this.sampledOk < SAMPLE_REQUESTS) return false;
    this.acc.addReusedOk(blockedMs, waitMs, totalMs, index);
    return true;
  }

  /**
   * A successful request on a reused connection, counted like reusedOk() but never asking for its record now: true
   * when the sample still wants it (a place in the sample is taken; the record comes after the load, through
   * sampled()), so an engine's load loop never runs the record path while it is being compiled. The sample holds
   * the same requests as with full records: the first SAMPLE_REQUESTS successes to end.
   */
  deferredOk(blockedMs: number, waitMs: number, totalMs: number, index: number, startedAt: number): boolean {
    if (startedAt < this.since) return false;
    this.acc.addReusedOk(blockedMs, waitMs, totalMs, index);
    if (this.sampledOk >= SAMPLE_REQUESTS) return false;
    this.sampledOk++;
    return true;
  }

  /** The record of a request deferredOk() sampled, built after the load: into the sample (it is counted already). */
  sampled(r: RequestTrace): void {
    this.session.addRequest(r);
  }

  connection(c: ConnectionRecord): void {
    this.perSecond.connection(1, performance.now());
    if (c.openedAt < this.since) return;
    this.acc.connectionOpened(c);
    if (c.tls && this.resumedSeries.length < TIMELINE_MAX) this.resumedSeries.push(c.tls.resumed);
    if (c.keepAliveHint?.timeoutMs !== undefined && this.hintedIdleTimeoutMs === undefined) this.hintedIdleTimeoutMs = c.keepAliveHint.timeoutMs;
    if (this.session.connections.size < SAMPLE_CONNECTIONS) this.session.addConnection(c);
  }

  /** A connection closed; `idleMs` is how long it had been idle when the server closed it, when known. */
  close(c: ConnectionRecord, idleMs?: number): void {
    this.perSecond.connection(-1, performance.now());
    this.acc.connectionClosed(c);
    if (c.close?.reason === 'goaway') this.h2Goaways++;
    if (c.keepAliveHint?.timeoutMs !== undefined && this.hintedIdleTimeoutMs === undefined) this.hintedIdleTimeoutMs = c.keepAliveHint.timeoutMs;
    if (idleMs !== undefined && c.close?.reason === 'server-idle-timeout' && this.serverIdleCloses.length < 10_000) this.serverIdleCloses.push(idleMs);
    if (this.session.connections.has(c.id) || this.session.connections.size < SAMPLE_CONNECTIONS) this.session.addConnection(c);
  }

  /** Resumption rate over the first and last third of the run's TLS handshakes (model/accumulator.ts). */
  resumptionEarlyLate(): { early: number; late: number; handshakes: number } | undefined {
    return resumptionEarlyLate(this.resumedSeries);
  }

  stats(durationMs: number): BenchStats {
    const a = this.acc;
    const phases: BenchStats['phases'] = {};
    const phaseCurves: BenchStats['phaseCurves'] = {};
    for (const name of BENCH_PHASES) {
      const s = a.phase(name);
      if (!s) continue;
      phases[name] = { count: s.count, mean: s.mean, p99: s.p99 };
      phaseCurves[name] = a.phaseCurve(name);
    }
    const setup = a.establishment('total');
    return {
      requests: this.completed,
      durationMs,
      reqPerSec: durationMs > 0 ? (this.completed * 1000) / durationMs : 0,
      errors: this.errors,
      errorsByCode: { ...this.errorsByCode },
      errorsOnReusedSockets: a.errorsOnReusedSockets,
      statusCodes: this.statusCodes,
      latency: this.latency.summary() ?? null,
      phases,
      connectionsOpened: a.connections,
      reuseRate: a.reuseRate(),
      requestsPerConnection: a.requestsPerConnection(),
      connectionSetup: setup ? { count: setup.count, mean: setup.mean, p99: setup.p99 } : null,
      handshakes: { ...a.handshakes },
      closes: a.closes(),
      blockedShare: a.blockedShare(),
      loopQueueShare: a.loopQueueShare(),
      tracedRequests: a.requests,
      latencyCurve: this.latency.curve(),
      latencyBins: this.latency.bins(),
      phaseCurves,
      perSecond: this.perSecond.series(durationMs),
    };
  }
}

/**
 * The sample keeps copies, never the source's own record objects. Keeping thousands of records in
 * a row teaches V8 that the tracer's allocation sites make long-lived objects, so it allocates
 * every later record directly in the old generation ("pretenuring"), where millions of short-lived
 * records then pile up as garbage until a full GC: tens of MB of RSS on a long run. Copies made
 * here leave the source's sites young; this site runs only while the sample fills.
 */
function sampleCopy(r: RequestTrace): RequestTrace {
  const copy: RequestTrace = { ...r, phases: { ...r.phases } };
  if (r.error) copy.error = { ...r.error };
  return copy;
}
