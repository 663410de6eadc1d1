import type http2 from 'node:http2';
import type { Socket } from 'node:net';
import { classifyError } from '../errors.js';
import type { CloseInfo } from '../model/connection.js';
import { now } from './clock.js';
import type { ConnectionState } from './connection-state.js';
import type { TracerCore } from './core.js';
import { addHttp2Hooks, removeHttp2Hooks, type SessionHook, type StreamHook } from './http2-hook.js';
import { assignRequest, pathOnly } from './request-state.js';
import { addTlsConnectHook, removeTlsConnectHook, socketHistory } from './tls-connect-hook.js';

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

/** The session's own socket: `session.socket` is a proxy that forwards reads and listeners only. */
function realSocket(session: http2.ClientHttp2Session): Socket | undefined {
  const key = Object.getOwnPropertySymbols(session).find((s) => s.description === 'socket');
  const socket = key ? (session as unknown as Record<symbol, unknown>)[key] : undefined;
  return socket !== null && typeof socket === 'object' && typeof (socket as Socket).once === 'function' ? (socket as Socket) : undefined;
}

/** node:http2 client sessions: one connection per session, one request per stream. */
export function traceHttp2(core: TracerCore): () => void {
  const sessions = new WeakMap<http2.ClientHttp2Session, ConnectionState>();
  const pending = new WeakMap<http2.ClientHttp2Session, { origin: string; at: number; supplied: boolean }>();
  /** Sessions past the turn of the event loop in which the server's first SETTINGS arrived. */
  const ready = new WeakSet<ConnectionState>();

  const track = (session: http2.ClientHttp2Session, origin: string, at: number, seenFromStart: boolean, supplied: boolean): ConnectionState => {
    const proxied = session.socket as Socket | undefined;
    const real = realSocket(session);
    // A socket made by tls.connect while we watched (inside http2.connect, or by a library that
    // then supplied it) carries its own establishment marks, taken from its creation on.
    const history = seenFromStart && real ? socketHistory(real) : undefined;
    // A supplied socket that was established before the session, by code we did not watch: its
    // setup happened out of our sight, so the session is tracked like one that predates us.
    const fromStart = seenFromStart && (history !== undefined || !supplied || session.connecting);
    const created = history ? history.marks.created : at;
    const conn = core.newConnection({ origin, source: 'http2', protocol: 'h2', poolId: core.poolIds.of(session, 'h2session'), created, seenFromStart: fromStart });
    if (history) conn.marks = history.marks;
    sessions.set(session, conn);
    let raw: Socket | undefined = real;
    let serverEndedFirst = false;
    const keep = (s: Socket): void => {
      raw = s;
    };
    const announce = (): void => {
      if (history?.ocspStapled !== undefined) conn.ocspStapled ??= history.ocspStapled;
      // The proxy forwards the reads describeSocket makes, should the real socket be out of reach.
      core.announce(conn, raw ?? proxied);
    };
    if (fromStart && proxied && !history) {
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
    if (fromStart) {
      // A library that opens a session for a request it holds (http2-wrapper) opens that stream once
      // the server's SETTINGS are in, in the same turn of the event loop: until that turn ends, a
      // first stream still counts as having waited for the session (see onStream).
      session.prependOnceListener('remoteSettings', core.guard('h2:settings', () => {
        setImmediate(() => ready.add(conn)).unref();
      }));
    }
    proxied?.once('end', core.guard('h2:end', () => {
      // The server's FIN before the client closed the session means the server hung up.
      if (!session.closed) serverEndedFirst = true;
    }));
    if (!session.connecting) announce();
    session.once('connect', core.guard('h2:session-connect', () => {
      if (!history) conn.marks.connectEnd ??= now();
      announce();
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

  const onSession: SessionHook = core.guard('h2:session', (session, authority, at, supplied) => {
    const origin = originOf(authority);
    if (!core.wants(origin)) return;
    // After the synchronous caller has had a chance to tag the session (undici does); a stream
    // opened before that tracks it from pending.
    pending.set(session, { origin, at, supplied });
    queueMicrotask(core.guard('h2:session-track', () => {
      pending.delete(session);
      if (!ownedByUndici(session) && !sessions.has(session)) track(session, origin, at, true, supplied);
    }));
  }) as SessionHook;

  const onStream: StreamHook = core.guard('h2:stream', (session, stream, headers, at) => {
    let conn = sessions.get(session);
    if (!conn) {
      if (ownedByUndici(session)) return;
      const early = pending.get(session);
      if (early) {
        pending.delete(session);
        conn = track(session, early.origin, early.at, true, early.supplied);
      } else {
        const origin = originOf(session.originSet?.[0] ?? 'unknown://');
        if (!core.wants(origin)) return;
        conn = track(session, origin, at, false, false);
      }
    }
    const method = String(headers?.[':method'] ?? 'GET');
    const st = core.newRequest(conn.record.origin, method, pathOnly(String(headers?.[':path'] ?? '/')), 'http2', at, conn.record.poolId);
    const before = conn.announced;
    assignRequest(st, conn, at);
    if (st.paysEstablishment) {
      if (ready.has(conn)) {
        // Opened once the session was up and settled: this stream waited for no establishment.
        st.paysEstablishment = false;
        st.marks.assigned = at;
      } else if (conn.marks.created < st.marks.start) {
        // It waited for the session (or for the socket a library made for it): its trace covers
        // that establishment, so its dns/connect/tls are the connection record's.
        st.marks.start = conn.marks.created;
        st.marks.assigned = conn.marks.created;
      }
    }
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
  addTlsConnectHook();
  return () => {
    removeTlsConnectHook();
    removeHttp2Hooks(onSession, onStream);
  };
}
