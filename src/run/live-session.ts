import { StatsAccumulator } from '../model/accumulator.js';
import type { Distribution } from '../model/histogram.js';
import type { ConnectionRecord } from '../model/connection.js';
import type { RequestTrace } from '../model/request.js';
import { RingBuffer } from '../model/ring-buffer.js';
import { Session } from '../model/session.js';
import { summaryOfTrace } from '../trace/tally.js';
import type { RequestSummary, Tracer } from '../trace/types.js';
import { TopN } from './top-n.js';

export interface LiveSessionOptions {
  keepRecent: number;
  keepSlowest: number;
  keepFailed: number;
  /** Closed connection records kept, most recent (default 1000). */
  keepClosed?: number;
}

/** Exact counts over every request and connection of one side, whatever was sampled away. */
export interface SideTotals {
  requests: number;
  failed: number;
  reused: number;
  status: Record<string, number>;
  errors: Record<string, number>;
  connectionsOpened: number;
  connectionsClosed: number;
  /** Connections open now (bounded by what the host keeps open). */
  connectionsOpen: number;
  handshakes: { full: number; resumed: number };
  closes: Record<string, number>;
  /** Request duration over every request (traced or counted). */
  duration?: Distribution;
}

/** The process as a client (its outgoing requests) and as a server (the requests it answered). */
export interface LiveTotals {
  client: SideTotals;
  server: SideTotals;
}

/** One side's exact totals: the model's StatsAccumulator (request total time only), plus what only `run` counts. */
class Side {
  readonly open = new Map<string, ConnectionRecord>();
  readonly acc = new StatsAccumulator({ phases: ['total'] });
  /** Responses per status code 100–599, indexed by the code (no string key per request). */
  readonly statusCodes = new Float64Array(600);
  /** Any other status a peer sent (bounded like the errors). */
  readonly otherStatus: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  connectionsClosed = 0;

  totals(): SideTotals {
    const a = this.acc;
    return {
      requests: a.requests,
      failed: a.errors,
      reused: a.reused,
      status: this.status(),
      errors: { ...this.errors },
      connectionsOpened: a.connections,
      connectionsClosed: this.connectionsClosed,
      handshakes: { ...a.handshakes },
      closes: a.closes(),
      connectionsOpen: this.open.size,
      duration: a.phase('total'),
    };
  }

  countStatus(code: number): void {
    if (code >= 100 && code < 600) this.statusCodes[code]!++;
    else bump(this.otherStatus, String(code));
  }

  /** Counts per status as reported: at most MAX_KEYS of them (a hostile peer sending every code gets the lowest). */
  status(): Record<string, number> {
    const out: Record<string, number> = {};
    let keys = 0;
    for (let code = 100; code < 600 && keys < MAX_KEYS; code++) {
      if (this.statusCodes[code]! === 0) continue;
      out[String(code)] = this.statusCodes[code]!;
      keys++;
    }
    for (const [k, n] of Object.entries(this.otherStatus)) if (keys++ < MAX_KEYS) out[k] = n;
    return out;
  }
}

/** A kept counted request (its summary) rather than a trace. */
function isSummary(r: RequestTrace | RequestSummary): r is RequestSummary {
  return typeof (r as RequestSummary).toTrace === 'function';
}

/** A guard against a close event the tracer never sent: open records beyond this are not kept. */
const MAX_OPEN = 100_000;
/** Distinct status and error keys counted at most (a hostile peer must not grow the maps). */
const MAX_KEYS = 200;

function bump(map: Record<string, number>, key: string): void {
  if (map[key] !== undefined) map[key]++;
  else if (Object.keys(map).length < MAX_KEYS) map[key] = 1;
}

/**
 * The always-on store behind `connscope run`: exact totals for every request, plus bounded samples
 * of request traces (the most recent, the slowest, the failed) and connection records (the open
 * ones and the most recently closed). Memory is flat however long it runs; a report is a Session
 * built from the samples, so the one diagnose engine and the one set of reporters read it.
 */
export class LiveSession {
  private readonly recent: RingBuffer<RequestTrace> | undefined;
  /** Traced requests, and counted ones kept as their tallies (a trace is built from one only for a report). */
  private readonly slowest: TopN<RequestTrace | RequestSummary>;
  private readonly failed: RingBuffer<RequestTrace> | undefined;
  private readonly closed: RingBuffer<ConnectionRecord>;
  private readonly client = new Side();
  private readonly server = new Side();
  readonly startedAtEpoch = Date.now();

  constructor(readonly options: LiveSessionOptions) {
    this.recent = options.keepRecent > 0 ? new RingBuffer(options.keepRecent) : undefined;
    this.slowest = new TopN<RequestTrace | RequestSummary>(options.keepSlowest);
    this.failed = options.keepFailed > 0 ? new RingBuffer(options.keepFailed) : undefined;
    this.closed = new RingBuffer(Math.max(1, options.keepClosed ?? 1000));
  }

  private side(source: string): Side {
    return source === 'server' ? this.server : this.client;
  }

  /** One finished request with its trace: counted and kept (count() and keep() together). */
  addRequest(r: RequestTrace): void {
    this.count(summaryOfTrace(r));
    this.keep(r);
  }

  /**
   * Counts one finished request, traced or not (the tracer's `tally` event). A request that was
   * not traced is kept when it failed (as a minimal trace) or is among the slowest: then its tally
   * itself is kept and becomes a minimal trace only in a snapshot. Early in a run, while the slowest
   * kept are still fast, that is a few per cent of all requests.
   */
  count(r: RequestSummary): void {
    const side = this.side(r.source);
    if (r.sampled) side.acc.addRequest(r.toTrace());
    else side.acc.addCounted(r.reused, r.error, r.durationMs);
    if (r.status !== undefined) side.countStatus(r.status);
    if (r.error) bump(side.errors, r.error.code);
    if (r.sampled) return;
    if (r.error) this.keep(r.toTrace());
    else if (this.slowest.wouldKeep(r.durationMs)) this.slowest.offer(r, r.durationMs);
  }

  /** Keeps a request's trace in the samples (the most recent, the slowest, the failed). */
  keep(r: RequestTrace): void {
    if (r.sampled !== false) this.recent?.push(r);
    this.slowest.offer(r, r.phases.total);
    if (r.error) this.failed?.push(r);
  }

  addConnection(c: ConnectionRecord): void {
    const side = this.side(c.source);
    if (side.open.has(c.id)) return;
    side.acc.connectionOpened(c);
    if (side.open.size < MAX_OPEN) side.open.set(c.id, c);
  }

  closeConnection(c: ConnectionRecord): void {
    const side = this.side(c.source);
    side.open.delete(c.id);
    side.connectionsClosed++;
    if (c.close) side.acc.connectionClosed(c);
    this.closed.push(c);
  }

  /** Feeds this store from a tracer; returns a function that stops collecting. */
  collect(tracer: Tracer): () => void {
    const onConnection = (c: ConnectionRecord): void => this.addConnection(c);
    const onClose = (c: ConnectionRecord): void => this.closeConnection(c);
    const onTally = (r: RequestSummary): void => this.count(r);
    const onRequest = (r: RequestTrace): void => this.keep(r);
    tracer.on('connection', onConnection).on('close', onClose).on('tally', onTally).on('request', onRequest);
    return () => {
      tracer.off('connection', onConnection).off('close', onClose).off('tally', onTally).off('request', onRequest);
    };
  }

  /** The connections of one side open now (live records, not copies: read, never change them). */
  openConnections(side: 'client' | 'server'): IterableIterator<ConnectionRecord> {
    return this.side(side).open.values();
  }

  totalsNow(): LiveTotals {
    return { client: this.client.totals(), server: this.server.totals() };
  }

  /** What the samples hold, as one Session (requests oldest first, each once). */
  snapshot(): Session {
    const byId = new Map<string, RequestTrace>();
    for (const r of this.recent?.toArray() ?? []) byId.set(r.id, r);
    for (const kept of this.slowest.sorted()) {
      const r = isSummary(kept) ? kept.toTrace() : kept;
      byId.set(r.id, r);
    }
    for (const r of this.failed?.toArray() ?? []) byId.set(r.id, r);
    const requests = [...byId.values()].sort((a, b) => a.startedAt - b.startedAt);
    const session = new Session({ maxRequests: Math.max(1, requests.length) });
    for (const c of this.closed.toArray()) session.addConnection(c);
    for (const c of this.client.open.values()) session.addConnection(c);
    for (const c of this.server.open.values()) session.addConnection(c);
    for (const r of requests) session.addRequest(r);
    return session;
  }
}
