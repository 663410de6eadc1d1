import type http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseKeepAliveHeader } from '../../model/connection.js';
import type { RequestTrace } from '../../model/request.js';
import { beginRequest, countRequest, endRequest, finishConnection, newConnState, nextRequestId, nextRequestSeq, originOf, type ConnState } from './conn-state.js';
import { epochOf, now } from '../clock.js';
import { RequestTally, summaryOfTrace } from '../tally.js';
import { Sampler } from '../sampler.js';
import { subscribeChannel, type ChannelMessages } from '../channels.js';
import type { SafeEmitter } from './emitter.js';
import { PendingHandshakes } from './handshakes.js';
import { serverTlsInfo } from './tls-info.js';
import type { Attached, InstrumentServerOptions } from './types.js';

type Http1Server = http.Server | https.Server;

/**
 * Watches an http or https server: accepted connections, requests per connection, TLS handshakes,
 * idle periods and who closed each connection. Listeners only observe: no 'data' listener, no
 * 'clientError' listener (that would replace Node's default 400/408 reply). Returns its detach function and its accept
 * handler (for a socket accepted before the tracer attached).
 */
export function attachHttp1(
  server: Http1Server,
  emitter: SafeEmitter,
  open: Map<Socket, ConnState>,
  options: InstrumentServerOptions,
): Attached {
  const secure = server instanceof https.Server;
  const scheme = secure ? 'https' : 'http';
  const handshakes = new PendingHandshakes();
  const failed = new WeakSet<Socket>();

  const track = (socket: Socket, acceptedAt: number, acceptedAtEpoch: number, tls?: TLSSocket, handshakeSeen = true): ConnState => {
    const state = newConnState({
      origin: options.origin ?? originOf(scheme, socket, server.address()),
      protocol: 'http/1.1',
      socket,
      acceptedAt,
      acceptedAtEpoch,
      tlsEnd: tls && handshakeSeen ? now() : undefined,
      tls: tls ? serverTlsInfo(tls) : undefined,
    });
    open.set(socket, state);
    socket.on('timeout', () => {
      if (state.inflight === 0) state.idleTimeout = true;
      else state.busyTimeout = true;
    });
    socket.on('end', () => {
      if (!state.closeAfterResponse) state.peerEnded = true;
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      state.errorCode ??= err.code ?? 'UNKNOWN';
    });
    socket.once('close', () => {
      open.delete(socket);
      // counted requests still in flight: the client went away before their responses were written
      if (state.counted !== undefined) emitter.guard('close', () => abortCounted(state));
      emitter.guard('close', () => emitter.emitSafe('close', finishConnection(state)));
    });
    emitter.emitSafe('connection', state.record);
    return state;
  };

  const onConnection = (socket: Socket): void =>
    emitter.guard('connection', () => {
      if (!secure) {
        track(socket, now(), Date.now());
        return;
      }
      handshakes.accept(socket);
    });

  const onSecure = (tls: TLSSocket): void =>
    emitter.guard('secureConnection', () => {
      const t = handshakes.take(tls) ?? { at: now(), epoch: Date.now() };
      track(tls, t.at, t.epoch, tls);
    });

  const onTlsError = (err: NodeJS.ErrnoException, tls: TLSSocket): void =>
    emitter.guard('tlsClientError', () => {
      // a handshake that failed never becomes a connection record with requests: report it as a closed one
      if (failed.has(tls)) return;
      failed.add(tls);
      const t = handshakes.take(tls) ?? { at: now(), epoch: Date.now() };
      const state = newConnState({ origin: options.origin ?? originOf(scheme, tls, server.address()), protocol: 'unknown', socket: tls, acceptedAt: t.at, acceptedAtEpoch: t.epoch });
      state.errorCode = err.code ?? 'ERR_TLS_HANDSHAKE';
      emitter.emitSafe('close', finishConnection(state));
    });

  const adopt = (socket: Socket): ConnState => {
    const tls = secure ? (socket as TLSSocket) : undefined;
    const state = track(socket, now(), Date.now(), tls, false);
    // requests it served before are unknown: its request indexes start here
    return state;
  };

  // One context per request in flight and shared listener functions: no closures per request (hot path).
  const pending = new Map<http.IncomingMessage, RequestContext>();
  const rate = options.sampleRate ?? 1;
  const sampler = new Sampler(rate);

  function onRequestEnd(this: http.IncomingMessage): void {
    const ctx = pending.get(this);
    if (ctx) ctx.bodyReadAt = now();
  }
  const complete = (res: http.ServerResponse, aborted: boolean): void => {
    const req = res.req;
    const ctx = req && pending.get(req);
    if (!ctx) return;
    pending.delete(req);
    try {
      const end = now();
      emitter.seen?.(end);
      endRequest(ctx.state, end);
      if (!aborted) noteConnectionFate(ctx.state, req, res, server, true);
      const tally = emitter.listenerCount('tally') > 0;
      if (!tally && emitter.listenerCount('request') === 0) return;
      const trace = requestTrace(ctx, req, res, end, aborted);
      emitter.emitSafe('request', trace);
      if (tally) emitter.emitTally(summaryOfTrace(trace));
    } catch (error) {
      emitter.diagnostic(`tracer error in response: ${(error as Error)?.message}`, 'response', error);
    }
  };
  function onFinish(this: http.ServerResponse): void {
    complete(this, false);
  }
  function onResponseClose(this: http.ServerResponse): void {
    complete(this, !this.writableFinished);
  }

  /** Ends a counted request: its connection released, its status or error set, emitted as `tally`. */
  const endCounted = (t: RequestTally, state: ConnState, end: number): void => {
    t.done = true;
    emitter.seen?.(end);
    endRequest(state, end);
    untrackCounted(state, t);
    t.durationMs = end - t.startedAt;
    emitter.emitTally(t);
  };
  /**
   * A counted (sampled-out) request ends when its response is written: the `http.server.response.finish`
   * channel (published from the response's own 'finish' handler), so a counted response gets no
   * listener of ours; one never written ends when its connection closes (abortCounted).
   */
  const onResponseFinish = (msg: ChannelMessages['http.server.response.finish']): void => {
    if (msg.server !== server) return;
    try {
      const res = msg.response;
      // the response names its connection (no lookup by socket); its request is that connection's
      // oldest counted one in flight (HTTP/1.1 answers in order, pipelined or not)
      const state = (res as unknown as Record<symbol, ConnState | null | undefined>)[COUNTED];
      if (!state) return;
      const t = oldestCounted(state);
      if (!t || t.done) return;
      noteConnectionFate(state, msg.request, res, server, false);
      t.status = res.statusCode;
      endCounted(t, state, now());
    } catch (error) {
      emitter.diagnostic(`tracer error in response finish: ${(error as Error)?.message}`, 'response', error);
    }
  };
  /** The connection closed under counted requests whose responses were never written. */
  const abortCounted = (state: ConnState): void => {
    const end = now();
    for (const t of countedOf(state)) {
      if (t.done) continue;
      t.error = { code: 'ECONNRESET', message: 'the client went away before the response was written', layer: 'tcp', onReusedSocket: true };
      endCounted(t, state, end);
    }
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    try {
      // a connection accepted before the tracer attached is adopted at its first traced request
      const state = open.get(req.socket) ?? adopt(req.socket);
      const startedAt = now();
      // sampling: the first request on a connection is always traced; the rest at `rate`, and
      // counted only (a tally, one listener) while anyone listens for tallies
      if (rate < 1 && state.record.requests > 0 && !sampler.sampled() && emitter.listenerCount('tally') > 0) {
        countRequest(state);
        const t = new RequestTally(nextRequestSeq(), 'server', state.record.origin, req.method ?? 'GET', req.url, startedAt);
        t.reused = true;
        t.connectionId = state.record.id;
        t.httpVersion = req.httpVersion;
        (res as unknown as Record<symbol, ConnState | null>)[COUNTED] = state;
        trackCounted(state, t);
        return;
      }
      (res as unknown as Record<symbol, ConnState | null>)[COUNTED] = null;
      const { index, idleBeforeMs } = beginRequest(state, startedAt);
      pending.set(req, { state, startedAt, index, idleBeforeMs, bodyReadAt: undefined });
      req.on('end', onRequestEnd);
      res.on('finish', onFinish);
      res.on('close', onResponseClose);
    } catch (error) {
      emitter.diagnostic(`tracer error in request: ${(error as Error)?.message}`, 'request', error);
    }
  };

  // A request starts on the `http.server.request.start` channel, published just before the server emits
  // 'request' (so the start mark is taken before the application's handler runs): a listener of ours on
  // 'request' would make every request's emit call two listeners through a copied list.
  const onRequestStart = (msg: ChannelMessages['http.server.request.start']): void => {
    if (msg.server === server) onRequest(msg.request, msg.response);
  };
  const unsubscribe = [subscribeChannel('http.server.request.start', onRequestStart), subscribeChannel('http.server.response.finish', onResponseFinish)];
  server.on('connection', onConnection);
  if (secure) {
    server.on('secureConnection', onSecure);
    server.on('tlsClientError', onTlsError);
  }
  const detach = (): void => {
    server.off('connection', onConnection);
    server.off('secureConnection', onSecure);
    server.off('tlsClientError', onTlsError);
    for (const u of unsubscribe) u();
    pending.clear();
  };
  return { detach, accept: onConnection };
}

/**
 * On every response (one hidden class): its connection's state when its request is counted, null when
 * traced. The request's tally is the connection's oldest counted one (trackCounted).
 */
const COUNTED = Symbol('connscope.counted');

/**
 * A connection's counted requests in flight, oldest first (for the response that ends the oldest, and the
 * close that cuts them off): one slot, an array only while pipelined requests overlap (rare).
 */
function trackCounted(state: ConnState, t: RequestTally): void {
  const c = state.counted;
  if (c === undefined) state.counted = t;
  else if (Array.isArray(c)) c.push(t);
  else state.counted = [c, t];
}

function untrackCounted(state: ConnState, t: RequestTally): void {
  const c = state.counted;
  if (c === t) state.counted = undefined;
  else if (Array.isArray(c)) {
    const i = c.indexOf(t);
    if (i !== -1) c.splice(i, 1);
    if (c.length === 0) state.counted = undefined;
  }
}

function oldestCounted(state: ConnState): RequestTally | undefined {
  const c = state.counted;
  return Array.isArray(c) ? c[0] : c;
}

function countedOf(state: ConnState): RequestTally[] {
  const c = state.counted;
  return c === undefined ? [] : Array.isArray(c) ? [...c] : [c];
}

/**
 * Node decides at writeHead whether the socket survives the response; remember why it will not.
 * `headers`: also note the Connection / Keep-Alive values sent (counted requests skip it unless the
 * connection ends: the connection's first request, always traced, noted them).
 */
function noteConnectionFate(state: ConnState, req: http.IncomingMessage, res: http.ServerResponse, server: Http1Server, headers: boolean): void {
  // at maxRequestsPerSocket Node answers `Connection: close` but leaves closing the socket to the client
  const maxReached = (res as http.ServerResponse & { maxRequestsOnConnectionReached?: boolean }).maxRequestsOnConnectionReached === true;
  const last = maxReached || (res as http.ServerResponse & { _last?: boolean })._last === true || res.shouldKeepAlive === false;
  if (headers || last) noteSentHeaders(state, res);
  if (!last) return;
  const max = maxReached ? state.record.requests : (server.maxRequestsPerSocket ?? 0);
  const clientAsked = (req.headers.connection ?? '').toLowerCase().includes('close') || (req.httpVersion === '1.0' && !/keep-alive/i.test(req.headers.connection ?? ''));
  if (max > 0 && state.record.requests >= max) state.closeAfterResponse = { closedBy: 'server', reason: 'server-max-requests' };
  else if (clientAsked) state.closeAfterResponse = { closedBy: 'client', reason: 'client-connection-close' };
  else state.closeAfterResponse = { closedBy: 'server', reason: 'server-connection-close' };
}

const CONNECTION_LINE = /\r\nconnection:[ \t]*([^\r]*)/i;
const KEEP_ALIVE_LINE = /\r\nkeep-alive:[ \t]*([^\r]*)/i;

/** Node writes its own headers in this casing: indexOf first, the case-insensitive regex only when that misses. */
function headerValue(raw: string, exact: string, anyCase: RegExp): string | undefined {
  const i = raw.indexOf(exact);
  if (i === -1) return anyCase.exec(raw)?.[1]?.trim();
  const from = i + exact.length;
  const to = raw.indexOf('\r\n', from);
  return raw.slice(from, to === -1 ? undefined : to).trim();
}

/**
 * Connection and Keep-Alive as sent: Node writes them itself, so they are not in getHeaders(). The record's
 * hint object is replaced only when the values change (they rarely do on one connection).
 */
function noteSentHeaders(state: ConnState, res: http.ServerResponse): void {
  const raw = (res as http.ServerResponse & { _header?: unknown })._header;
  if (typeof raw !== 'string') return;
  const connection = headerValue(raw, '\r\nConnection: ', CONNECTION_LINE);
  const keepAlive = headerValue(raw, '\r\nKeep-Alive: ', KEEP_ALIVE_LINE);
  if (connection === undefined && keepAlive === undefined) return;
  const prev = state.record.keepAliveHint;
  if (prev && prev.connectionHeader === connection && prev.keepAliveHeader === keepAlive) return;
  const hint: NonNullable<ConnState['record']['keepAliveHint']> = {};
  if (connection !== undefined) hint.connectionHeader = connection;
  if (keepAlive !== undefined) Object.assign(hint, { keepAliveHeader: keepAlive }, parseKeepAliveHeader(keepAlive));
  state.record.keepAliveHint = hint;
}

interface RequestContext {
  state: ConnState;
  startedAt: number;
  index: number;
  idleBeforeMs: number | undefined;
  bodyReadAt: number | undefined;
}

function requestTrace(t: RequestContext, req: http.IncomingMessage, res: http.ServerResponse, end: number, aborted: boolean): RequestTrace {
  const state = t.state;
  const total = end - t.startedAt;
  // server view: send = the request body arriving, wait = the handler until the response was written
  const send = t.bodyReadAt !== undefined && t.bodyReadAt <= end ? t.bodyReadAt - t.startedAt : undefined;
  const phases = send === undefined ? { wait: total, total } : { send, wait: total - send, total };
  const trace: RequestTrace = {
    id: nextRequestId(),
    connectionId: state.record.id,
    origin: state.record.origin,
    method: req.method ?? 'GET',
    path: pathOnly(req.url),
    source: 'server',
    startedAt: t.startedAt,
    startedAtEpoch: epochOf(t.startedAt),
    phases,
    reused: t.index > 1,
    requestIndexOnConnection: t.index,
    httpVersion: req.httpVersion,
  };
  if (t.idleBeforeMs !== undefined) trace.idleBeforeMs = t.idleBeforeMs;
  if (aborted) {
    trace.error = { code: 'ECONNRESET', message: 'the client went away before the response was written', layer: 'tcp', onReusedSocket: t.index > 1 };
  } else {
    trace.status = res.statusCode;
    const hint = state.record.keepAliveHint;
    if (hint) trace.responseHeaders = { connection: hint.connectionHeader, keepAlive: hint.keepAliveHeader };
  }
  return trace;
}

/** Query strings can carry tokens: only the path is kept. */
export function pathOnly(url: string | undefined): string {
  if (!url) return '/';
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}
