import type { ConnectionRecord } from '../model/connection.js';
import type { RequestTrace } from '../model/request.js';
import { Session } from '../model/session.js';
import { performance } from 'node:perf_hooks';
import { DurationHistogram, type HistogramBin, type LatencySummary, type PercentilePoint } from './histogram.js';
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
  latency: LatencySummary | null;
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
 * Everything a bench run counts, in constant memory: HDR histograms for latency and phases,
 * counters for statuses, errors, reuse, handshakes and closes, and a bounded sample of records
 * for the diagnosis.
 */
export class Tally {
  readonly latency = new DurationHistogram();
  private readonly phaseHist: Record<BenchPhase, DurationHistogram> = {
    blocked: new DurationHistogram(),
    connect: new DurationHistogram(),
    tls: new DurationHistogram(),
    wait: new DurationHistogram(),
  };
  private readonly setup = new DurationHistogram();
  completed = 0;
  errors = 0;
  readonly errorsByCode: Record<string, number> = {};
  readonly statusCodes: Record<string, number> = {};
  private traced = 0;
  private reused = 0;
  private errorsReused = 0;
  private maxIndex = 0;
  private blockedSum = 0;
  private loopQueueSum = 0;
  private loopQueueSeen = 0;
  private totalSum = 0;
  private opened = 0;
  private full = 0;
  private resumed = 0;
  readonly closes: Record<string, number> = {};
  /** [openedAt, resumed] of TLS connections in order, for resumption early/late. */
  readonly tlsTimeline: Array<[number, boolean]> = [];
  /** Idle time before each server-side idle close (ms), bounded. */
  readonly serverIdleCloses: number[] = [];
  hintedIdleTimeoutMs: number | undefined;
  h2Goaways = 0;
  h2StreamsQueued = 0;
  readonly session = new Session({ maxRequests: SAMPLE_REQUESTS + SAMPLE_ERRORS });
  private sampledOk = 0;
  private sampledErr = 0;

  /**
   * @param since monotonic ms (performance.now()) where this tally's window starts: requests and
   *   connections that started before it belong to the warm-up and are not counted here.
   */
  /** Requests, errors and open connections per second, from this tally's start. */
  readonly perSecond: PerSecond;

  /**
   * @param openConnections connections already open when this tally starts (left by a warm-up)
   */
  constructor(private readonly since = 0, openConnections = 0) {
    this.perSecond = new PerSecond(since || performance.now(), openConnections);
  }

  /** One finished request as the caller saw it; `now` when the caller has read the clock already. */
  outcome(latencyMs: number, status: number | undefined, errorCode: string | undefined, now = performance.now()): void {
    this.completed++;
    this.latency.recordMs(latencyMs);
    this.perSecond.request(errorCode !== undefined, now);
    if (errorCode !== undefined) {
      this.errors++;
      this.errorsByCode[errorCode] = (this.errorsByCode[errorCode] ?? 0) + 1;
    } else if (status !== undefined) {
      this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1;
    }
  }

  /** A request's connection accounting (from the tracer or an engine's own records). */
  request(r: RequestTrace): void {
    if (r.startedAt < this.since) return;
    this.traced++;
    if (r.reused) this.reused++;
    if (r.error && (r.error.onReusedSocket || r.reused)) this.errorsReused++;
    if (r.requestIndexOnConnection !== undefined && r.requestIndexOnConnection > this.maxIndex) this.maxIndex = r.requestIndexOnConnection;
    const p = r.phases;
    if (p.blocked !== undefined) {
      this.phaseHist.blocked.recordMs(p.blocked);
      this.blockedSum += p.blocked;
    }
    if (r.loopQueueMs !== undefined) {
      this.loopQueueSum += r.loopQueueMs;
      this.loopQueueSeen++;
    }
    if (p.connect !== undefined) this.phaseHist.connect.recordMs(p.connect);
    if (p.tls !== undefined) this.phaseHist.tls.recordMs(p.tls);
    if (p.wait !== undefined) this.phaseHist.wait.recordMs(p.wait);
    this.totalSum += p.total;
    if (r.responseHeaders?.keepAlive && this.hintedIdleTimeoutMs === undefined) {
      const m = /timeout=(\d+)/i.exec(r.responseHeaders.keepAlive);
      if (m) this.hintedIdleTimeoutMs = Number(m[1]) * 1000;
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
    this.traced++;
    this.reused++;
    if (index > this.maxIndex) this.maxIndex = index;
    this.phaseHist.blocked.recordMs(blockedMs);
    this.phaseHist.wait.recordMs(waitMs);
    this.blockedSum += blockedMs;
    this.totalSum += totalMs;
    return true;
  }

  connection(c: ConnectionRecord): void {
    this.perSecond.connection(1, performance.now());
    if (c.openedAt < this.since) return;
    this.opened++;
    this.setup.recordMs(c.establishment.total);
    if (c.tls) {
      if (c.tls.resumed) this.resumed++;
      else this.full++;
      if (this.tlsTimeline.length < TIMELINE_MAX) this.tlsTimeline.push([c.openedAt, c.tls.resumed]);
    }
    if (c.keepAliveHint?.timeoutMs !== undefined && this.hintedIdleTimeoutMs === undefined) this.hintedIdleTimeoutMs = c.keepAliveHint.timeoutMs;
    if (this.session.connections.size < SAMPLE_CONNECTIONS) this.session.addConnection(c);
  }

  /** A connection closed; `idleMs` is how long it had been idle when the server closed it, when known. */
  close(c: ConnectionRecord, idleMs?: number): void {
    this.perSecond.connection(-1, performance.now());
    const key = `${c.close?.closedBy ?? 'unknown'}:${c.close?.reason ?? 'unknown'}`;
    this.closes[key] = (this.closes[key] ?? 0) + 1;
    if (c.close?.reason === 'goaway') this.h2Goaways++;
    if (c.keepAliveHint?.timeoutMs !== undefined && this.hintedIdleTimeoutMs === undefined) this.hintedIdleTimeoutMs = c.keepAliveHint.timeoutMs;
    if (idleMs !== undefined && c.close?.reason === 'server-idle-timeout' && this.serverIdleCloses.length < 10_000) this.serverIdleCloses.push(idleMs);
    if (this.session.connections.has(c.id) || this.session.connections.size < SAMPLE_CONNECTIONS) this.session.addConnection(c);
  }

  /** Resumption rate over the first and last third of the run's TLS handshakes (the very first excluded: nothing to resume yet). */
  resumptionEarlyLate(): { early: number; late: number; handshakes: number } | undefined {
    const t = this.tlsTimeline.slice(1);
    if (t.length < 6) return undefined;
    const third = Math.floor(t.length / 3);
    const rate = (xs: Array<[number, boolean]>): number => xs.filter((x) => x[1]).length / xs.length;
    return { early: rate(t.slice(0, third)), late: rate(t.slice(t.length - third)), handshakes: t.length };
  }

  stats(durationMs: number): BenchStats {
    const phases: BenchStats['phases'] = {};
    const phaseCurves: BenchStats['phaseCurves'] = {};
    for (const name of BENCH_PHASES) {
      const s = this.phaseHist[name].summary();
      if (s) phases[name] = { count: s.count, mean: s.mean, p99: s.p99 };
      if (s) phaseCurves[name] = this.phaseHist[name].curve();
    }
    const setup = this.setup.summary();
    return {
      requests: this.completed,
      durationMs,
      reqPerSec: durationMs > 0 ? (this.completed * 1000) / durationMs : 0,
      errors: this.errors,
      errorsByCode: { ...this.errorsByCode },
      errorsOnReusedSockets: this.errorsReused,
      statusCodes: { ...this.statusCodes },
      latency: this.latency.summary() ?? null,
      phases,
      connectionsOpened: this.opened,
      reuseRate: this.traced ? this.reused / this.traced : null,
      requestsPerConnection: this.opened ? { mean: this.traced / this.opened, max: this.maxIndex } : null,
      connectionSetup: setup ? { count: setup.count, mean: setup.mean, p99: setup.p99 } : null,
      handshakes: { full: this.full, resumed: this.resumed },
      closes: { ...this.closes },
      blockedShare: this.totalSum > 0 ? this.blockedSum / this.totalSum : null,
      loopQueueShare: this.totalSum > 0 && this.loopQueueSeen > 0 ? this.loopQueueSum / this.totalSum : null,
      tracedRequests: this.traced,
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
