import type { SourceKind } from './connection.js';
import type { Phases } from './phases.js';
import type { PhaseStalls } from './stall.js';

export type ErrorLayer = 'dns' | 'tcp' | 'tls' | 'http' | 'h2';

export interface RequestError {
  /** Original code (ECONNRESET, UND_ERR_SOCKET, ERR_TLS_CERT_ALTNAME_INVALID, ...) or a CONNSCOPE_ERR_* code. */
  code: string;
  message: string;
  layer: ErrorLayer;
  /** The error happened on a connection that had already served a request (the stale-socket race). */
  onReusedSocket: boolean;
}

export interface RequestTrace {
  id: string;
  connectionId?: string;
  /** scheme://host:port */
  origin: string;
  method: string;
  /** Path only; credentials and query values are never kept. */
  path: string;
  source: SourceKind;
  poolId?: string;
  /** Monotonic ms (performance.now()). */
  startedAt: number;
  startedAtEpoch: number;
  phases: Phases;
  /** The connection had served a request before this one. */
  reused: boolean;
  /** 1-based position of this request on its connection. */
  requestIndexOnConnection?: number;
  /** How long the connection sat idle before this request (reused requests only). */
  idleBeforeMs?: number;
  /**
   * Part of `send`: time between a connection being free for this request (the end of `blocked`)
   * and the client starting to write it, spent waiting for the event loop, not for the pool
   * (undici checks an idle socket for one loop turn before reusing it; a busy loop stretches that
   * turn). Present when the source can see the moment the connection became free.
   */
  loopQueueMs?: number;
  status?: number;
  httpVersion?: string;
  /** Connection-relevant response headers only (never Authorization/Cookie). */
  responseHeaders?: { connection?: string; keepAlive?: string };
  error?: RequestError;
  /** Longest event-loop stall that overlapped this request (ms), when sampled. */
  eventLoopDelayMs?: number;
  /** A stall of at least eventLoopBlockedMs overlapped this request. */
  eventLoopBlocked?: boolean;
  /**
   * Stall time (ms) inside each phase: the part of that phase the process itself caused (its loop did
   * not run the callback that ends the phase). Present only when some stall overlapped the request.
   */
  stalls?: PhaseStalls;
  /**
   * false: built from a request the tracer counted but did not trace (sampled out), kept because it
   * failed or was among the slowest; its phases hold only `total`. Absent on traced requests.
   */
  sampled?: false;
}
