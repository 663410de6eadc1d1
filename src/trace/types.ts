import type { ConnectionRecord } from '../model/connection.js';
import type { BlockingFunction } from '../model/facts.js';
import type { RequestTrace } from '../model/request.js';
import type { RequestSummary } from './request-summary.js';
import type { InstrumentServerOptions, ServerConnectionCounts } from './server/types.js';

export type { RequestSummary };

export interface InstrumentOptions {
  /** node:http and node:https clients, any Agent (default true). */
  http?: boolean;
  /** undici from npm and Node's built-in fetch, through the `undici:*` diagnostics channels (default true). */
  undici?: boolean;
  /** node:http2 client sessions (default true). */
  http2?: boolean;
  /** Sample event-loop delay to mark requests whose wait overlapped a blocked loop (default true). */
  eventLoop?: boolean;
  /** Event-loop lag from which a request's wait counts as blocked (ms, default 50). */
  eventLoopBlockedMs?: number;
  /** How often the event loop is probed (ms, default 10). */
  eventLoopIntervalMs?: number;
  /**
   * Sample the CPU (node:inspector's profiler, every 1 ms) to name the functions that held the loop
   * during stalls of at least eventLoopBlockedMs: see eventLoopBlockedBy(). Default false (it costs
   * the profiler's sampling, docs/tracer.md); needs `eventLoop`.
   */
  profile?: boolean;
  /** Only trace requests to origins ('https://host:port') this returns true for. */
  filter?: (origin: string) => boolean;
  /** undici dispatchers (Agent, Pool, Client) to include in poolSnapshot(); the global one is always included. */
  dispatchers?: object[];
  /**
   * Share of requests traced, 0..1 (default 1: every request). Below 1, each request reusing a
   * kept-alive connection is traced with this probability; connection records, connection and
   * close events, and every request that opens or waits for a connection stay complete. See
   * docs/tracer.md ("Sampling") for what is exact and what is sampled.
   */
  sampleRate?: number;
  /**
   * Also trace every node:http/https/http2 server of this process, including servers created later,
   * into the same events (their records carry source 'server'); stop() stops both. An object sets
   * the server tracer's options. Default false.
   */
  server?: boolean | InstrumentServerOptions;
}

/** A pool's state at one moment, per origin. */
export interface PoolSnapshot {
  kind: 'http.Agent' | 'undici';
  origin: string;
  /** Same id as ConnectionRecord.poolId for this agent, when the tracer has seen it. */
  poolId?: string;
  /** Sockets in use. */
  active: number;
  /** Idle sockets kept for reuse. */
  free: number;
  /** Requests waiting for a socket. */
  queued: number;
}

/** A problem inside the tracer itself; it never reaches the host program as an exception. */
export interface TracerDiagnostic {
  message: string;
  where: string;
  error?: unknown;
}

export interface TracerEvents {
  /** A connection finished establishing (record carries establishment phases and TLS info). */
  connection: [ConnectionRecord];
  /** A request finished, successfully or not. */
  request: [RequestTrace];
  /** A connection closed (record carries close info). */
  close: [ConnectionRecord];
  /** Any request finished, traced or sampled out (aggregates; see RequestSummary). */
  tally: [RequestSummary];
  diagnostic: [TracerDiagnostic];
}

/** A request still in flight (for leak detection: a body never read keeps its socket taken). */
export interface InflightRequest {
  id: string;
  origin: string;
  connectionId?: string;
  poolId?: string;
  state: 'blocked' | 'connecting' | 'sending' | 'waiting' | 'receiving';
  /** ms since the request was created. */
  ageMs: number;
  /** ms since response headers arrived (state 'receiving'). */
  sinceHeadersMs?: number;
}

export interface Tracer {
  on<E extends keyof TracerEvents>(event: E, listener: (...args: TracerEvents[E]) => void): this;
  off<E extends keyof TracerEvents>(event: E, listener: (...args: TracerEvents[E]) => void): this;
  /** Pools the tracer has seen (plus the global agents), right now. */
  poolSnapshot(): PoolSnapshot[];
  /** Adds an undici dispatcher (or http.Agent) to poolSnapshot(); held weakly. */
  watchPool(pool: object): void;
  /** With `server`: the traced servers' open connections (active / idle) and requests in progress; zeros otherwise. */
  serverCounts(): ServerConnectionCounts;
  /** Largest event-loop lag seen since start (ms); 0 when sampling is off. */
  eventLoopMaxLagMs(): number;
  /**
   * With `profile: true`: the functions CPU samples caught on the loop during its stalls so far,
   * heaviest first, with file, line and ms (put them in facts.eventLoop.blockedBy for the diagnosis).
   * Empty otherwise.
   */
  eventLoopBlockedBy(): BlockingFunction[];
  /** Requests started and not yet finished (bounded by what the host program keeps alive). */
  inflight(): InflightRequest[];
  /**
   * The same requests counted per origin, with a view only of those whose response headers arrived at
   * least `stuckAfterMs` ago (`receiving`, body unread); they are not in the counts. What the leak
   * watcher samples every second, without building a view of every request.
   */
  inflightByOrigin(stuckAfterMs: number): { counts: Map<string, number>; stuck: InflightRequest[] };
  /** Unsubscribes everything; idempotent. */
  stop(): void;
  readonly active: boolean;
}
