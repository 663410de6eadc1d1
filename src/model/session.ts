import type { ConnectionRecord } from './connection.js';
import type { Facts } from './facts.js';
import type { Finding } from './finding.js';
import type { RequestTrace } from './request.js';
import { RingBuffer } from './ring-buffer.js';
import { StatsAccumulator, type SessionStats } from './accumulator.js';

/** Anything that emits the tracer's events (the tracer handle, a pcap reader, a bench run). */
export interface RecordSource {
  on(event: 'connection' | 'request' | 'close', listener: (record: any) => void): unknown;
  off?(event: 'connection' | 'request' | 'close', listener: (record: any) => void): unknown;
}

/**
 * What one observation produced: connections, requests and facts, from whichever source.
 * The diagnosis and every reporter take a Session, never a source.
 */
export class Session {
  readonly connections = new Map<string, ConnectionRecord>();
  private readonly recent: RingBuffer<RequestTrace>;
  /** The ordered view handed out by `requests`, rebuilt only after a change. */
  private view: RequestTrace[] | undefined;
  facts: Facts = {};
  findings: Finding[] = [];
  /** Oldest requests are dropped past this many (bounded memory for long observations). */
  readonly maxRequests: number;
  droppedRequests = 0;
  /**
   * Set by a source that counted more than it kept (bench counts every request, keeps a sample): the
   * figures over everything it saw. Without it, stats are those of the kept records.
   */
  totals: StatsAccumulator | undefined;

  constructor(options: { maxRequests?: number } = {}) {
    this.maxRequests = options.maxRequests ?? 100_000;
    this.recent = new RingBuffer(this.maxRequests);
  }

  /** The kept requests, oldest first (the most recent `maxRequests`). */
  get requests(): readonly RequestTrace[] {
    return (this.view ??= this.recent.toArray());
  }

  /** How many requests are kept, without building the ordered view. */
  get requestCount(): number {
    return this.recent.length;
  }

  addConnection(c: ConnectionRecord): void {
    this.connections.set(c.id, c);
  }

  addRequest(r: RequestTrace): void {
    if (this.recent.push(r) !== undefined) this.droppedRequests++;
    this.view = undefined;
  }

  /** Reorders the kept requests (a pcap's requests arrive in flow order, not start order). */
  sortRequests(compare: (a: RequestTrace, b: RequestTrace) => number): void {
    const sorted = this.recent.toArray().sort(compare);
    this.recent.clear();
    for (const r of sorted) this.recent.push(r);
    this.view = undefined;
  }

  /** Collects a source's events into this session; returns a function that stops collecting. */
  collect(source: RecordSource): () => void {
    const onConn = (c: ConnectionRecord): void => this.addConnection(c);
    const onReq = (r: RequestTrace): void => this.addRequest(r);
    source.on('connection', onConn);
    source.on('close', onConn);
    source.on('request', onReq);
    return () => {
      source.off?.('connection', onConn);
      source.off?.('close', onConn);
      source.off?.('request', onReq);
    };
  }

  /** The one accumulator the stats and the rules' derived figures come from (docs/model.md#stats). */
  accumulator(): StatsAccumulator {
    return this.totals ?? StatsAccumulator.of(this.connections.values(), this.requests, this.facts);
  }

  stats(): SessionStats {
    return this.accumulator().sessionStats();
  }

  toJSON(): { connections: ConnectionRecord[]; requests: readonly RequestTrace[]; facts: Facts; stats: SessionStats; findings: Finding[] } {
    return {
      connections: [...this.connections.values()],
      requests: this.requests,
      facts: this.facts,
      stats: this.stats(),
      findings: this.findings,
    };
  }
}
