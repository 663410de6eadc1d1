import type http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { parseKeepAliveHeader } from '../../model/connection.js';
import type { RequestTrace } from '../../model/request.js';
import { beginRequest, endRequest, finishConnection, newConnState, nextRequestId, originOf, type ConnState } from './conn-state.js';
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

  const track = (socket: Socket, acceptedAt: number, acceptedAtEpoch: number, tls?: TLSSocket): void => {
    const state = newConnState({
      origin: options.origin ?? originOf(scheme, socket, server.address()),
      protocol: 'http/1.1',
      socket,
      acceptedAt,
      acceptedAtEpoch,
      tlsMs: tls ? performance.now() - acceptedAt : undefined,
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
      emitter.guard('close', () => emitter.emitSafe('close', finishConnection(state)));
    });
    emitter.emitSafe('connection', state.record);
  };

  const onConnection = (socket: Socket): void =>
    emitter.guard('connection', () => {
      if (!secure) return track(socket, performance.now(), Date.now());
      handshakes.accept(socket);
    });

  const onSecure = (tls: TLSSocket): void =>
    emitter.guard('secureConnection', () => {
      const t = handshakes.take(tls) ?? { at: performance.now(), epoch: Date.now() };
      track(tls, t.at, t.epoch, tls);
    });

  const onTlsError = (err: NodeJS.ErrnoException, tls: TLSSocket): void =>
    emitter.guard('tlsClientError', () => {
      // a handshake that failed never becomes a connection record with requests: report it as a closed one
      if (failed.has(tls)) return;
      failed.add(tls);
      const t = handshakes.take(tls) ?? { at: performance.now(), epoch: Date.now() };
      const state = newConnState({ origin: options.origin ?? originOf(scheme, tls, server.address()), protocol: 'unknown', socket: tls, acceptedAt: t.at, acceptedAtEpoch: t.epoch });
      state.errorCode = err.code ?? 'ERR_TLS_HANDSHAKE';
      emitter.emitSafe('close', finishConnection(state));
    });

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void =>
    emitter.guard('request', () => {
      const state = open.get(req.socket);
      if (!state) return;
      const startedAt = performance.now();
      const startedAtEpoch = Date.now();
      const { index, idleBeforeMs } = beginRequest(state, startedAt);
      let bodyReadAt: number | undefined;
      req.once('end', () => {
        bodyReadAt = performance.now();
      });
      let done = false;
      const finish = (aborted: boolean): void =>
        emitter.guard('response', () => {
          if (done) return;
          done = true;
          const end = performance.now();
          endRequest(state, end);
          if (!aborted) noteConnectionFate(state, req, res, server);
          emitter.emitSafe('request', requestTrace(state, req, res, { startedAt, startedAtEpoch, end, bodyReadAt, index, idleBeforeMs, aborted }));
        });
      res.once('finish', () => finish(false));
      res.once('close', () => finish(!res.writableFinished));
    });

  server.on('connection', onConnection);
  if (secure) {
    server.on('secureConnection', onSecure);
    server.on('tlsClientError', onTlsError);
  }
  // first in line, so the start mark is taken before the application's handler runs
  server.prependListener('request', onRequest);
  const detach = (): void => {
    server.off('connection', onConnection);
    server.off('secureConnection', onSecure);
    server.off('tlsClientError', onTlsError);
    server.off('request', onRequest);
  };
  return { detach, accept: onConnection };
}

/** Node decides at writeHead whether the socket survives the response; remember why it will not. */
function noteConnectionFate(state: ConnState, req: http.IncomingMessage, res: http.ServerResponse, server: Http1Server): void {
  const hint = sentKeepAliveHeaders(res);
  if (hint.connectionHeader || hint.keepAliveHeader) state.record.keepAliveHint = hint;
  // at maxRequestsPerSocket Node answers `Connection: close` but leaves closing the socket to the client
  const maxReached = (res as http.ServerResponse & { maxRequestsOnConnectionReached?: boolean }).maxRequestsOnConnectionReached === true;
  const last = maxReached || (res as http.ServerResponse & { _last?: boolean })._last === true || res.shouldKeepAlive === false;
  if (!last) return;
  const max = maxReached ? state.record.requests : (server.maxRequestsPerSocket ?? 0);
  const clientAsked = (req.headers.connection ?? '').toLowerCase().includes('close') || (req.httpVersion === '1.0' && !/keep-alive/i.test(req.headers.connection ?? ''));
  if (max > 0 && state.record.requests >= max) state.closeAfterResponse = { closedBy: 'server', reason: 'server-max-requests' };
  else if (clientAsked) state.closeAfterResponse = { closedBy: 'client', reason: 'client-connection-close' };
  else state.closeAfterResponse = { closedBy: 'server', reason: 'server-connection-close' };
}

const CONNECTION_LINE = /\r\nconnection:[ \t]*([^\r]*)/i;
const KEEP_ALIVE_LINE = /\r\nkeep-alive:[ \t]*([^\r]*)/i;

/** Connection and Keep-Alive as sent: Node writes them itself, so they are not in getHeaders(). */
function sentKeepAliveHeaders(res: http.ServerResponse): { connectionHeader?: string; keepAliveHeader?: string; timeoutMs?: number; max?: number } {
  const raw = (res as http.ServerResponse & { _header?: unknown })._header;
  if (typeof raw !== 'string') return {};
  const out: { connectionHeader?: string; keepAliveHeader?: string; timeoutMs?: number; max?: number } = {};
  const connection = CONNECTION_LINE.exec(raw)?.[1];
  if (connection !== undefined) out.connectionHeader = connection.trim();
  const keepAlive = KEEP_ALIVE_LINE.exec(raw)?.[1];
  if (keepAlive !== undefined) {
    out.keepAliveHeader = keepAlive.trim();
    Object.assign(out, parseKeepAliveHeader(out.keepAliveHeader));
  }
  return out;
}

function requestTrace(
  state: ConnState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  t: { startedAt: number; startedAtEpoch: number; end: number; bodyReadAt?: number; index: number; idleBeforeMs?: number; aborted: boolean },
): RequestTrace {
  const total = t.end - t.startedAt;
  // server view: send = the request body arriving, wait = the handler until the response was written
  const send = t.bodyReadAt !== undefined && t.bodyReadAt <= t.end ? t.bodyReadAt - t.startedAt : undefined;
  const phases = send === undefined ? { wait: total, total } : { send, wait: total - send, total };
  const trace: RequestTrace = {
    id: nextRequestId(),
    connectionId: state.record.id,
    origin: state.record.origin,
    method: req.method ?? 'GET',
    path: pathOnly(req.url),
    source: 'server',
    startedAt: t.startedAt,
    startedAtEpoch: t.startedAtEpoch,
    phases,
    reused: t.index > 1,
    requestIndexOnConnection: t.index,
    httpVersion: req.httpVersion,
  };
  if (t.idleBeforeMs !== undefined) trace.idleBeforeMs = t.idleBeforeMs;
  if (t.aborted) {
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
