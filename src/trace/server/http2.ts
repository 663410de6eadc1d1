import type http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RequestTrace } from '../../model/request.js';
import { now } from '../clock.js';
import { summaryOfTrace } from '../tally.js';
import { beginRequest, endRequest, finishConnection, newConnState, nextRequestId, originOf, type ConnState } from './conn-state.js';
import type { SafeEmitter } from './emitter.js';
import { PendingHandshakes } from './handshakes.js';
import { pathOnly } from './http1.js';
import { serverTlsInfo } from './tls-info.js';
import type { Attached, InstrumentServerOptions } from './types.js';

type H2Server = http2.Http2Server | http2.Http2SecureServer;

/**
 * Watches an http2 server at the session level: one connection record per session, one request per
 * stream (later streams on a session count as reused). Returns its detach function and its accept
 * handler (for a socket accepted before the tracer attached).
 */
export function attachHttp2(server: H2Server, emitter: SafeEmitter, open: Map<Socket, ConnState>, options: InstrumentServerOptions): Attached {
  const secure = typeof (server as { setSecureContext?: unknown }).setSecureContext === 'function';
  const scheme = secure ? 'https' : 'http';
  const handshakes = new PendingHandshakes();
  const sessions = new WeakMap<http2.ServerHttp2Session, ConnState>();
  const accepted = new WeakMap<Socket, { at: number; epoch: number }>();

  const onConnection = (socket: Socket): void =>
    emitter.guard('connection', () => {
      if (secure) handshakes.accept(socket);
      else accepted.set(socket, { at: now(), epoch: Date.now() });
    });

  // runs after http2's own secureConnection listener, which already created the session
  const onSession = (session: http2.ServerHttp2Session): void =>
    emitter.guard('session', () => {
      // session.socket is a proxy that forbids reads and writes; property reads and listeners are allowed
      const socket = session.socket as Socket;
      const tls = secure ? (socket as TLSSocket) : undefined;
      const t = (tls ? handshakes.take(tls) : accepted.get(socket)) ?? { at: now(), epoch: Date.now() };
      const state = newConnState({
        origin: options.origin ?? originOf(scheme, socket, server.address()),
        protocol: 'h2',
        socket,
        acceptedAt: t.at,
        acceptedAtEpoch: t.epoch,
        tlsEnd: tls ? now() : undefined,
        tls: tls ? serverTlsInfo(tls) : undefined,
      });
      sessions.set(session, state);
      open.set(socket, state);
      socket.on('end', () => {
        state.peerEnded = true;
      });
      session.on('goaway', () => {
        state.goaway = true;
      });
      session.on('timeout', () => {
        if (state.inflight === 0) state.idleTimeout = true;
        else state.busyTimeout = true;
      });
      session.on('error', (err: NodeJS.ErrnoException) => {
        state.errorCode ??= err.code ?? 'UNKNOWN';
      });
      session.once('close', () => {
        open.delete(socket);
        emitter.guard('close', () => emitter.emitSafe('close', finishConnection(state)));
      });
      emitter.emitSafe('connection', state.record);
    });

  const onStream = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void =>
    emitter.guard('stream', () => {
      const state = sessions.get(stream.session as http2.ServerHttp2Session);
      if (!state) return;
      const startedAt = now();
      const startedAtEpoch = Date.now();
      const { index, idleBeforeMs } = beginRequest(state, startedAt);
      stream.once('close', () =>
        emitter.guard('stream close', () => {
          const end = now();
          emitter.seen?.(end);
          endRequest(state, end);
          const total = end - startedAt;
          const status = stream.sentHeaders?.[':status'];
          const trace: RequestTrace = {
            id: nextRequestId(),
            connectionId: state.record.id,
            origin: state.record.origin,
            method: String(headers[':method'] ?? 'GET'),
            path: pathOnly(String(headers[':path'] ?? '/')),
            source: 'server',
            startedAt,
            startedAtEpoch,
            phases: { wait: total, total },
            reused: index > 1,
            requestIndexOnConnection: index,
            httpVersion: '2.0',
          };
          if (idleBeforeMs !== undefined) trace.idleBeforeMs = idleBeforeMs;
          if (status !== undefined) trace.status = Number(status);
          if (stream.rstCode !== undefined && stream.rstCode !== 0) {
            trace.error = { code: `NGHTTP2_RST_${stream.rstCode}`, message: `stream reset with code ${stream.rstCode}`, layer: 'h2', onReusedSocket: index > 1 };
          }
          emitter.emitSafe('request', trace);
          if (emitter.listenerCount('tally') > 0) emitter.emitTally(summaryOfTrace(trace));
        }),
      );
    });

  server.on('connection', onConnection);
  server.on('session', onSession);
  server.on('stream', onStream);
  const detach = (): void => {
    server.off('connection', onConnection);
    server.off('session', onSession);
    server.off('stream', onStream);
  };
  return { detach, accept: onConnection };
}
