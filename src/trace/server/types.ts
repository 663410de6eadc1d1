import type { ConnectionRecord } from '../../model/connection.js';
import type { RequestTrace } from '../../model/request.js';
import type { RequestSummary } from '../request-summary.js';

/** Events of a server tracer: the same records as the client tracer, with source 'server'. */
export interface ServerTracerEvents {
  /** A connection was accepted (plain) or finished its TLS handshake. */
  connection: [ConnectionRecord];
  /** A request (or h2 stream) finished: its response was fully written, or it was aborted. */
  request: [RequestTrace];
  /** A connection closed; the record carries who closed it and why. */
  close: [ConnectionRecord];
  /** Any request finished, traced or sampled out (exact aggregates; see RequestSummary). */
  tally: [RequestSummary];
  /** A problem inside the tracer itself (never thrown into the server). */
  diagnostic: [{ message: string; where: string; error?: unknown }];
}

/** Connections a server has open right now, split by whether a request is in progress on them. */
export interface ServerConnectionCounts {
  /** Connections with a request (or h2 stream) in progress. */
  active: number;
  idle: number;
  /** Requests (or h2 streams) in progress over all connections. */
  requests: number;
}

export interface ServerTracer {
  on<E extends keyof ServerTracerEvents>(event: E, listener: (...args: ServerTracerEvents[E]) => void): this;
  off<E extends keyof ServerTracerEvents>(event: E, listener: (...args: ServerTracerEvents[E]) => void): this;
  /** Records of the connections open right now. */
  openConnections(): ConnectionRecord[];
  counts(): ServerConnectionCounts;
  /** Removes every listener the tracer added; open connections stay untouched. Idempotent. */
  stop(): void;
  readonly active: boolean;
}

export interface InstrumentServerOptions {
  /** Origin to put on records (default scheme://<local address>:<local port> of each connection). */
  origin?: string;
  /**
   * Share of HTTP/1 requests traced, 0..1 (default 1). Below 1, a request after the first on its
   * connection is traced with this probability; the rest are only counted (`tally` events, while
   * anyone listens for them) and on their connection record. h2 streams are all traced.
   */
  sampleRate?: number;
}

/** A tracer attached to one server. */
export interface Attached {
  detach(): void;
  /** Handles a socket the server accepted before the tracer's 'connection' listener was added. */
  accept(socket: import('node:net').Socket): void;
}
