import type { Socket } from 'node:net';
import type { SourceKind } from '../model/connection.js';
import { addIdlePeriod } from '../model/connection.js';
import { chargeEstablishment } from '../model/establishment.js';
import { phasesFromMarks, type RequestMarks } from '../model/phases.js';
import type { RequestError, RequestTrace } from '../model/request.js';
import { MIN_SPLIT_STALL_MS, phaseStalls, type StallLog } from '../model/stall.js';
import { epochOf } from './clock.js';
import type { ConnectionState } from './connection-state.js';
import type { InflightNode } from './inflight-node.js';
import type { InflightRequest } from './types.js';

/** A request in flight; holds no reference to the host's request, nor to its socket once written. */
export interface RequestState {
  /** Sequence number; the 'r<n>' id string is built only when a trace or view is made. */
  seq: number;
  origin: string;
  method: string;
  path: string;
  source: SourceKind;
  poolId?: string;
  marks: RequestMarks;
  conn?: ConnectionState;
  /** First request on a connection we saw created: it pays the establishment phases. */
  paysEstablishment: boolean;
  reused: boolean;
  index?: number;
  idleBeforeMs?: number;
  /** Wait between the connection being free for this request and the client writing it (see RequestTrace). */
  loopQueueMs?: number;
  status?: number;
  httpVersion?: string;
  responseHeaders?: { connection?: string; keepAlive?: string };
  error?: RequestError;
  /**
   * The socket an undici request is being written to, from `sendHeaders` to `bodySent` only:
   * `bodySent` comes once the body is handed to the socket, which may still hold most of it.
   */
  writingOn: Socket | undefined;
  done: boolean;
  /** Links in the tracer's in-flight list (intrusive: no Set entry, no hashing per request). */
  prev: InflightNode | undefined;
  next: InflightNode | undefined;
}

export function requestId(st: RequestState): string {
  return 'r' + st.seq;
}

export function newRequestState(seq: number, origin: string, method: string, path: string, source: SourceKind, start: number, poolId?: string): RequestState {
  // All marks declared up front (undefined = not reached): the object never changes shape. A literal
  // of its own, not nested: until V8 optimises this function (late, at a low sampleRate) a nested
  // literal is copied by the runtime, ~1.7k instructions a call under callgrind.
  const marks: RequestMarks = { start, assigned: undefined, dnsStart: undefined, dnsEnd: undefined, connectStart: undefined, connectEnd: undefined, tlsStart: undefined, tlsEnd: undefined, sent: undefined, firstByte: undefined, end: undefined };
  // Every field initialised in one literal: one hidden class for all requests.
  return {
    seq,
    origin,
    method,
    path,
    source,
    poolId,
    marks,
    conn: undefined,
    paysEstablishment: false,
    reused: false,
    index: undefined,
    idleBeforeMs: undefined,
    loopQueueMs: undefined,
    status: undefined,
    httpVersion: undefined,
    responseHeaders: undefined,
    error: undefined,
    writingOn: undefined,
    done: false,
    prev: undefined,
    next: undefined,
  };
}

/** Path without query or fragment: query values may carry secrets. */
export function pathOnly(path: string | undefined): string {
  if (!path) return '/';
  const q = path.indexOf('?');
  const h = path.indexOf('#');
  const cut = q === -1 ? h : h === -1 ? q : Math.min(q, h);
  return cut === -1 ? path : path.slice(0, cut);
}

/**
 * Puts a request on a connection at `at`. `hintReused` covers connections that existed before the
 * tracer saw them (their earlier requests were never counted).
 */
export function assignRequest(st: RequestState, conn: ConnectionState, at: number, hintReused = false): void {
  st.conn = conn;
  conn.assigned++;
  conn.record.requests++;
  st.index = conn.assigned;
  st.reused = conn.assigned > 1 || hintReused;
  if (conn.record.poolId && !st.poolId) st.poolId = conn.record.poolId;
  if (conn.inflight === 0 && conn.idleSince !== undefined) {
    const idle = Math.max(0, at - conn.idleSince);
    st.idleBeforeMs = idle;
    addIdlePeriod(conn.record.idle, idle);
  }
  conn.idleSince = undefined;
  conn.inflight++;
  if (conn.assigned === 1 && conn.seenFromStart && !hintReused) {
    st.paysEstablishment = true;
    if (st.marks.assigned === undefined) st.marks.assigned = Math.max(st.marks.start, conn.marks.created);
  } else if (st.marks.assigned === undefined) {
    st.marks.assigned = at;
  }
}

/** Marks the request finished and releases its connection (idle from now). */
export function releaseRequest(st: RequestState, end: number): void {
  st.done = true;
  st.writingOn = undefined;
  st.marks.end = end;
  const conn = st.conn;
  if (!conn) return;
  conn.inflight = Math.max(0, conn.inflight - 1);
  if (conn.inflight === 0) conn.idleSince = end;
}

/** Marks the request finished and builds its trace; releases the connection. */
export function finishRequest(st: RequestState, end: number, eventLoop?: StallLog & { longest(from: number, to: number): number; options: { blockedMs: number } }): RequestTrace {
  st.done = true;
  st.writingOn = undefined;
  const m = st.marks;
  m.end = end;
  const conn = st.conn;
  if (conn) {
    // the first request on a connection seen from its start carries its dns/connect/tls; one that
    // failed midway is charged to the step the connection was in
    if (st.paysEstablishment) chargeEstablishment(m, conn.marks, !conn.announced);
    conn.inflight = Math.max(0, conn.inflight - 1);
    if (conn.inflight === 0) conn.idleSince = end;
  }
  const trace: RequestTrace = {
    id: requestId(st),
    origin: st.origin,
    method: st.method,
    path: st.path,
    source: st.source,
    startedAt: m.start,
    startedAtEpoch: epochOf(m.start),
    phases: phasesFromMarks(m),
    reused: st.reused,
  };
  if (conn) trace.connectionId = conn.record.id;
  if (st.poolId) trace.poolId = st.poolId;
  if (st.index !== undefined) trace.requestIndexOnConnection = st.index;
  if (st.reused && st.idleBeforeMs !== undefined) trace.idleBeforeMs = st.idleBeforeMs;
  if (st.loopQueueMs !== undefined) trace.loopQueueMs = st.loopQueueMs;
  if (st.status !== undefined) trace.status = st.status;
  if (st.httpVersion !== undefined) trace.httpVersion = st.httpVersion;
  if (st.responseHeaders) trace.responseHeaders = st.responseHeaders;
  if (st.error) trace.error = st.error;
  if (eventLoop) {
    // Usually no stall overlapped: one scan of the sampler's ring, nothing allocated.
    const lag = eventLoop.longest(m.start, end);
    if (lag > 0) {
      trace.eventLoopDelayMs = Math.round(lag * 10) / 10;
      // a request no stall of MIN_SPLIT_STALL_MS touched keeps no per-phase split (no rule could feel it)
      const stalls = lag >= MIN_SPLIT_STALL_MS ? phaseStalls(trace.phases, m.start, eventLoop) : undefined;
      if (stalls) trace.stalls = stalls;
    }
    trace.eventLoopBlocked = lag >= eventLoop.options.blockedMs;
  }
  return trace;
}

export function inflightView(st: RequestState, at: number): InflightRequest {
  const m = st.marks;
  let state: InflightRequest['state'];
  if (m.firstByte !== undefined) state = 'receiving';
  else if (m.sent !== undefined) state = 'waiting';
  else if (st.conn && (!st.paysEstablishment || st.conn.announced)) state = 'sending';
  else if (st.conn) state = 'connecting';
  else state = 'blocked';
  const v: InflightRequest = { id: requestId(st), origin: st.origin, state, ageMs: at - m.start };
  if (st.conn) v.connectionId = st.conn.record.id;
  if (st.poolId) v.poolId = st.poolId;
  if (m.firstByte !== undefined) v.sinceHeadersMs = at - m.firstByte;
  return v;
}
