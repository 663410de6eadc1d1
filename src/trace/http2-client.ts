import type http2 from 'node:http2';
import type { Socket } from 'node:net';
import { classifyError } from '../errors.js';
import type { CloseInfo } from '../model/connection.js';
import { now } from './clock.js';
import type { ConnectionState } from './connection-state.js';
import type { TracerCore } from './core.js';
import { addHttp2Hooks, removeHttp2Hooks, type SessionHook, type StreamHook } from './http2-hook.js';
import { assignRequest, pathOnly } from './request-state.js';

function originOf(authority: string | URL): string {
  try {
    const u = new URL(String(authority));
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${u.protocol}//${u.hostname}:${port}`;
  } catch {
    return String(authority);
  }
}

function h2CloseInfo(conn: ConnectionState, socket: Socket | undefined, serverEndedFirst: boolean): CloseInfo {
  if (conn.closeHint === 'goaway') return { closedBy: 'server', reason: 'goaway' };
  const err = (socket as { errored?: unknown } | undefined)?.errored;
  if (err) {
    const code = (err as { code?: string }).code ?? 'UNKNOWN';
    return { closedBy: code === 'ECONNRESET' ? 'server' : 'unknown', reason: `error:${code}`, errorCode: code };
  }
  if (serverEndedFirst) return { closedBy: 'server', reason: conn.inflight === 0 ? 'server-idle-timeout' : 'server-closed' };
  // Same rule as node:http (docs/model.md, "Close reasons"): closing a session with no stream in
  // flight is its owner closing its pool of one connection.
  return { closedBy: 'client', reason: conn.inflight === 0 ? 'pool-closed' : 'client-closed' };
}

/** undici's h2 client runs over node:http2 and tags its sessions; undici's channels already trace them. */
function ownedByUndici(session: http2.ClientHttp2Session): boolean {
  return Object.getOwnPropertySymbols(session).some((s) => s.description === 'client');
}

/** node:http2 client sessions: one connection per session, one request per stream. */
export function traceHttp2(core: TracerCore): () => void {
  const sessions = new WeakMap<http2.ClientHttp2Session, ConnectionState>();
  const pending = new WeakMap<http2.ClientHttp2Session, { origin: string; at: number }>();

  const track = (session: http2.ClientHttp2Session, origin: string, created: number, seenFromStart: boolean): ConnectionState => {
    const conn = core.newConnection({ origin, source: 'http2', protocol: 'h2', poolId: core.poolIds.of(session, 'h2session'), created, seenFromStart });
    sessions.set(session, conn);
    let raw: Socket | undefined;
    let serverEndedFirst = false;
    const keep = (s: Socket): void => {
      raw = s;
    };
    const proxied = session.socket as Socket | undefined;
    if (seenFromStart && proxied) {
      conn.marks.handshake = (proxied as { encrypted?: boolean }).encrypted === true;
      // Emitted before 'secureConnect' when the session was created with requestOCSP.
      proxied.once('OCSPResponse', core.guard('h2:ocsp', (resp: Buffer | undefined) => {
        conn.ocspStapled = Boolean(resp && resp.length);
      }));
      // `this` inside a socket listener is the real socket, not the session's restricted proxy.
      proxied.once('lookup', core.guard('h2:lookup', (err: Error | null) => {
        if (!err) conn.marks.dnsEnd = now();
      }));
      proxied.once('connect', core.guard('h2:connect', function (this: Socket) {
        keep(this);
        conn.marks.connectEnd = now();
      }));
      proxied.once('secureConnect', core.guard('h2:secure', function (this: Socket) {
        keep(this);
        conn.marks.tlsEnd = now();
      }));
    }
    proxied?.once('end', core.guard('h2:end', () => {
      // The server's FIN before the client closed the session means the server hung up.
      if (!session.closed) serverEndedFirst = true;
    }));
    if (!session.connecting) core.announce(conn, raw);
    session.once('connect', core.guard('h2:session-connect', () => {
      conn.marks.connectEnd ??= now();
      core.announce(conn, raw);
      conn.record.protocol = 'h2';
    }));
    session.once('goaway', core.guard('h2:goaway', () => {
      conn.closeHint = 'goaway';
    }));
    session.once('close', core.guard('h2:close', () => {
      const r = conn.record;
      if (r.closedAt !== undefined) return;
      r.closedAt = now();
      r.close = h2CloseInfo(conn, raw, serverEndedFirst);
      if (raw) {
        r.bytesSent = raw.bytesWritten;
        r.bytesReceived = raw.bytesRead;
      }
      core.events.emit('close', r);
    }));
    return conn;
  };

  const onSession: SessionHook = core.guard('h2:session', (session, authority, at) => {
    const origin = originOf(authority);
    if (!core.wants(origin)) return;
    // After the synchronous caller has had a chance to tag the session (undici does); a stream
    // opened before that tracks it from pending.
    pending.set(session, { origin, at });
    queueMicrotask(core.guard('h2:session-track', () => {
      pending.delete(session);
      if (!ownedByUndici(session) && !sessions.has(session)) track(session, origin, at, true);
    }));
  }) as SessionHook;

  const onStream: StreamHook = core.guard('h2:stream', (session, stream, headers, at) => {
    let conn = sessions.get(session);
    if (!conn) {
      if (ownedByUndici(session)) return;
      const early = pending.get(session);
      if (early) {
        pending.delete(session);
        conn = track(session, early.origin, early.at, true);
      } else {
        const origin = originOf(session.originSet?.[0] ?? 'unknown://');
        if (!core.wants(origin)) return;
        conn = track(session, origin, at, false);
      }
    }
    const method = String(headers?.[':method'] ?? 'GET');
    const st = core.newRequest(conn.record.origin, method, pathOnly(String(headers?.[':path'] ?? '/')), 'http2', at, conn.record.poolId);
    const before = conn.announced;
    assignRequest(st, conn, at);
    // Streams opened before the session connected wait for it: that wait is blocked time.
    if (!before && !st.paysEstablishment) {
      st.marks.assigned = undefined;
      stream.once('ready', core.guard('h2:ready', () => {
        st.marks.assigned ??= now();
      }));
    }
    stream.once('finish', core.guard('h2:finish', () => {
      st.marks.sent ??= now();
    }));
    stream.once('response', core.guard('h2:response', (h: http2.IncomingHttpHeaders) => {
      const t = now();
      st.marks.sent ??= t;
      st.marks.firstByte = t;
      st.status = Number(h[':status']);
      st.httpVersion = '2.0';
    }));
    stream.once('close', core.guard('h2:stream-close', () => {
      const err = (stream as { errored?: unknown }).errored;
      if (err) st.error = classifyError(err, st.reused);
      else if (st.marks.firstByte === undefined || (stream.rstCode !== undefined && stream.rstCode !== 0)) {
        st.error = classifyError({ code: 'ERR_HTTP2_STREAM_ERROR', message: `stream closed with code ${stream.rstCode ?? 'unknown'}` }, st.reused);
      }
      core.complete(st);
    }));
  }) as StreamHook;

  addHttp2Hooks(onSession, onStream);
  return () => removeHttp2Hooks(onSession, onStream);
}
