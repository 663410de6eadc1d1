import { now as clockNow } from '../clock.js';
import type { AddressInfo } from 'node:net';
import { addIdlePeriod, newIdleStats, type CloseInfo, type ConnectionRecord, type Protocol, type TlsInfo } from '../../model/connection.js';
import { establishmentFromMarks } from '../../model/establishment.js';
import type { RequestTally } from '../tally.js';

let nextConnection = 0;
let nextRequest = 0;

export function nextRequestId(): string {
  return `sr${++nextRequest}`;
}

/** The sequence number behind the next request id (a counted request builds 'sr<n>' only if asked). */
export function nextRequestSeq(): number {
  return ++nextRequest;
}

/** What the tracer remembers about one open server connection until it closes. */
export interface ConnState {
  record: ConnectionRecord;
  /** Requests (or streams) in progress. */
  inflight: number;
  /** When the last request finished with nothing else in flight (monotonic ms). */
  idleSince?: number;
  /** The client sent FIN before we closed. */
  peerEnded: boolean;
  /** A socket timeout fired while nothing was in flight (keepAliveTimeout / server timeout). */
  idleTimeout: boolean;
  /** A socket timeout fired during a request (server.timeout / setTimeout). */
  busyTimeout: boolean;
  errorCode?: string;
  /** Set when a response said the connection ends after it (Connection: close, max requests). */
  closeAfterResponse?: CloseInfo;
  /** A client GOAWAY (h2). */
  goaway?: boolean;
  /** Counted (sampled-out) requests in flight (http1.ts): ended as cut off if the connection closes under them. */
  counted?: RequestTally | RequestTally[];
}

interface Endpoints {
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
}

export function originOf(scheme: 'http' | 'https', local: Endpoints, fallback?: AddressInfo | string | null): string {
  let host = local.localAddress;
  let port = local.localPort;
  if ((host === undefined || port === undefined) && fallback && typeof fallback === 'object') {
    host = fallback.address;
    port = fallback.port;
  }
  host = host?.startsWith('::ffff:') ? host.slice(7) : host;
  const h = host?.includes(':') ? `[${host}]` : (host ?? 'unknown');
  return `${scheme}://${h}:${port ?? 0}`;
}

export function newConnState(args: {
  origin: string;
  protocol: Protocol;
  socket: Endpoints;
  acceptedAt: number;
  acceptedAtEpoch: number;
  /** When the TLS handshake completed (the server's establishment is accept → secure). */
  tlsEnd?: number;
  tls?: TlsInfo;
}): ConnState {
  const s = args.socket;
  const record: ConnectionRecord = {
    id: `s${++nextConnection}`,
    origin: args.origin,
    source: 'server',
    protocol: args.protocol,
    localAddress: strip(s.localAddress),
    localPort: s.localPort,
    remoteAddress: strip(s.remoteAddress),
    remotePort: s.remotePort,
    openedAt: args.acceptedAt,
    openedAtEpoch: args.acceptedAtEpoch,
    establishment: establishmentFromMarks({ created: args.acceptedAt, tlsEnd: args.tlsEnd }),
    requests: 0,
    idle: newIdleStats(),
  };
  if (args.tls) record.tls = args.tls;
  return { record, inflight: 0, peerEnded: false, idleTimeout: false, busyTimeout: false, counted: undefined };
}

function strip(a: string | undefined): string | undefined {
  return a?.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Marks a request start; returns its 1-based index and the idle time before it (when it reused the connection). */
export function beginRequest(state: ConnState, now = clockNow()): { index: number; idleBeforeMs?: number } {
  let idleBeforeMs: number | undefined;
  if (state.idleSince !== undefined && state.inflight === 0) {
    idleBeforeMs = now - state.idleSince;
    addIdlePeriod(state.record.idle, idleBeforeMs);
  }
  state.idleSince = undefined;
  state.inflight++;
  state.record.requests++;
  return { index: state.record.requests, idleBeforeMs };
}

/**
 * A counted (sampled-out) request starts: busy and counted like a traced one; the idle gap before it
 * is not measured (the connection's idle stats then cover the gaps before traced requests).
 */
export function countRequest(state: ConnState): void {
  state.idleSince = undefined;
  state.inflight++;
  state.record.requests++;
}

export function endRequest(state: ConnState, now = clockNow()): void {
  state.inflight = Math.max(0, state.inflight - 1);
  if (state.inflight === 0) state.idleSince = now;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Who closed the connection and why, from what the tracer saw before 'close'. */
export function classifyClose(state: ConnState): CloseInfo {
  const code = state.errorCode;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // Node reports both timers with one code: a request in progress means its headers had arrived
    return {
      closedBy: 'server',
      reason: state.inflight > 0 ? 'server-request-timeout' : 'server-headers-timeout',
      errorCode: code,
    };
  }
  if (code !== undefined && RESET_CODES.has(code)) return { closedBy: 'client', reason: 'reset', errorCode: code };
  if (code !== undefined) return { closedBy: code.startsWith('HPE_') ? 'server' : 'unknown', reason: `error:${code}`, errorCode: code };
  if (state.closeAfterResponse) return state.closeAfterResponse;
  if (state.goaway) return { closedBy: 'client', reason: 'goaway' };
  if (state.idleTimeout) return { closedBy: 'server', reason: 'server-idle-timeout' };
  if (state.busyTimeout) return { closedBy: 'server', reason: 'server-request-timeout' };
  if (state.peerEnded) return { closedBy: 'client', reason: 'client-closed' };
  return { closedBy: 'server', reason: 'server-closed' };
}

/** Closes the record: close info, closedAt, and the idle period that ended with the close. */
export function finishConnection(state: ConnState, now = clockNow()): ConnectionRecord {
  const r = state.record;
  if (r.closedAt !== undefined) return r;
  r.closedAt = now;
  r.close = classifyClose(state);
  if (state.idleSince !== undefined && state.inflight === 0 && r.requests > 0) addIdlePeriod(r.idle, now - state.idleSince);
  return r;
}
