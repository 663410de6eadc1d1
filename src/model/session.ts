import type { ConnectionRecord } from './connection.js';
import type { Facts } from './facts.js';
import type { Finding } from './finding.js';
import type { RequestTrace } from './request.js';
import { computeStats, type SessionStats } from './stats.js';

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
  readonly requests: RequestTrace[] = [];
  facts: Facts = {};
  findings: Finding[] = [];
  /** Oldest requests are dropped past this many (bounded memory for long observations). */
  readonly maxRequests: number;
  droppedRequests = 0;

  constructor(options: { maxRequests?: number } = {}) {
    this.maxRequests = options.maxRequests ?? 100_000;
  }

  addConnection(c: ConnectionRecord): void {
    this.connections.set(c.id, c);
  }

  addRequest(r: RequestTrace): void {
    if (this.requests.length >= this.maxRequests) {
      this.requests.shift();
      this.droppedRequests++;
    }
    this.requests.push(r);
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

  stats(): SessionStats {
    return computeStats(this.connections.values(), this.requests);
  }

  toJSON(): { connections: ConnectionRecord[]; requests: RequestTrace[]; facts: Facts; stats: SessionStats; findings: Finding[] } {
    return {
      connections: [...this.connections.values()],
      requests: this.requests,
      facts: this.facts,
      stats: this.stats(),
      findings: this.findings,
    };
  }
}
