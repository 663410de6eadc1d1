import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { classifyError } from '../errors.js';
import { now } from './clock.js';
import type { ConnectionState } from './connection-state.js';
import type { TracerCore } from './core.js';
import { NetTimings } from './perf-entries.js';
import { threadpoolTasks } from './threadpool.js';
import { hookUndiciPoolQueue, noteRequestCreated, poolDispatchTime, unhookUndiciPoolQueue } from './undici-queue-hook.js';
import { assignRequest, pathOnly, type RequestState } from './request-state.js';
import { findHeader } from './raw-headers.js';
import { noteKeepAlive } from './keepalive-hint.js';
import { isTally, type RequestTally } from './tally.js';
import { subscribeChannel, type ChannelMessages, type ConnectParams, type UndiciRequest } from './channels.js';


interface PendingConnect {
  created: number;
  origin: string;
  /** Threadpool tasks the lookup will find (threadpool.ts); undefined for an IP literal. */
  poolTasks: number | undefined;
  /** Holds NetTimings' 'net' observation until it settles (perf-entries.ts). */
  wantsTcp: boolean;
}

/**
 * The object a connection's pool id is keyed on. undici tags each socket with its Client; a Pool
 * (also each Pool inside an Agent, and fetch's global dispatcher) registers the same 'connect'
 * listener on all of its Clients, so that listener identifies the Pool. A bare Client is its own pool.
 */
function poolOwner(socket: Socket, connector: object): object {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'client');
  const client = key ? (socket as unknown as Record<symbol, unknown>)[key] : undefined;
  if (client && typeof (client as { listeners?: unknown }).listeners === 'function') {
    const first = (client as { listeners(e: string): object[] }).listeners('connect')[0];
    return first ?? (client as object);
  }
  return connector;
}

function originOfParams(p: ConnectParams): string {
  const protocol = p.protocol || 'http:';
  const port = p.port || (protocol === 'https:' ? 443 : 80);
  const host = p.hostname ?? p.host ?? 'localhost';
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${protocol}//${h}:${port}`;
}

const ORIGIN_CACHE_MAX = 256;
const originCache = new Map<string, string>();

let lastOrigin: string | undefined;
let lastNormalised = '';

/**
 * 'scheme://host:port' for undici's request.origin; memoised because it runs per request. The last
 * one is checked first: undici hands each request a fresh origin string, which a Map lookup must
 * hash every time, where comparing it with the last one is a short memcmp.
 */
function normaliseOrigin(o: string | URL | undefined): string {
  if (typeof o !== 'string') return normaliseOriginMiss(o);
  if (o === lastOrigin) return lastNormalised;
  const v = normaliseOriginMiss(o);
  lastOrigin = o;
  lastNormalised = v;
  return v;
}

function normaliseOriginMiss(o: string | URL | undefined): string {
  if (!o) return 'unknown://';
  const key = typeof o === 'string' ? o : o.href;
  let v = originCache.get(key);
  if (v === undefined) {
    v = parseOrigin(key);
    if (originCache.size >= ORIGIN_CACHE_MAX) originCache.clear();
    originCache.set(key, v);
  }
  return v;
}

function parseOrigin(o: string): string {
  try {
    const u = new URL(String(o));
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${u.protocol}//${u.hostname}:${port}`;
  } catch {
    return String(o);
  }
}

/**
 * An untraced request (sampled out) on a traced connection: the connection's request count stays
 * exact, and it is busy now, so its next idle gap is measured only after a traced request ends.
 */
function countUnsampled(conn: ConnectionState | undefined): void {
  if (!conn) return;
  conn.assigned++;
  conn.record.requests++;
  conn.idleSince = undefined;
}

/**
 * undici from npm and Node's built-in fetch (its bundled undici publishes on the same channel
 * names): `undici:request:*` for request marks, `undici:client:*` for connections. A request is
 * from fetch when it carries fetch's mandatory `sec-fetch-mode` header.
 */
export function traceUndici(core: TracerCore): () => void {
  const connecting = new WeakMap<object, PendingConnect[]>();
  const net = new NetTimings();
  // The request's state is read and written here, not through core.stateOf/attach: a property access
  // site sees the shapes of every object passed through it, and core's are shared with node:http's
  // requests and responses (megamorphic); these see undici's Request objects only.
  const key = core.stateKey;
  type Slot = Record<symbol, RequestState | RequestTally | null | undefined>;
  const stateOf = (request: object): RequestState | RequestTally | null | undefined => (request as Slot)[key];
  // null first, then the state: the property is added with null, so V8 does not pin its type to the
  // first request's state class (RequestTally or RequestState) and later generalise it, which left
  // this store megamorphic (measured with --log-ic); the second store is a plain field write.
  const attach = (request: object, st: RequestState | RequestTally | null): void => {
    (request as Slot)[key] = null;
    if (st !== null) (request as Slot)[key] = st;
  };

  /**
   * `undici:request:bodySent` is subscribed only once a traced request has a body: undici publishes
   * it for every request (a message object, the publish, our handler) as soon as anyone listens, and
   * a request without a body needs none of it (it is sent with its headers, see sendingHeaders).
   * An app that sends no request bodies never pays for it; one that does, from its first traced one on.
   */
  let unsubscribeBodySent: (() => void) | undefined;

  // The per-request handlers below are written out with their own guard (rather than wrapped by
  // core.guard) so each has its own call site: one shared wrapper calling a dozen handlers is a
  // megamorphic call on every channel message.
  const onCreate = (msg: ChannelMessages['undici:request:create']): void => {
    if (!core.active) return;
    noteRequestCreated();
    try {
      const request = msg.request;
      if (core.sampled()) created(request);
      else if (core.tallying) counted(request);
      else attach(request, null);
    } catch (error) {
      core.fail('undici:create', error);
    }
  };
  const created = (request: UndiciRequest): void => {
    const origin = normaliseOrigin(request.origin);
    if (!core.wants(origin)) return attach(request, null);
    const source = findHeader(request.headers, 'sec-fetch-mode') !== undefined ? 'fetch' : 'undici';
    // the Pool's dispatch time when it queued the request (taken earlier on the same clock), else now
    const start = poolDispatchTime(request) ?? now();
    attach(request, core.newRequest(origin, request.method || 'GET', pathOnly(request.path), source, start));
    // created before undici writes anything: subscribed now, its own bodySent is seen
    if (request.body != null && unsubscribeBodySent === undefined) unsubscribeBodySent = subscribeChannel('undici:request:bodySent', onBodySent);
  };

  /**
   * Sampled out but counted: a tally instead of a traced request's state (tally.ts). It starts where
   * a traced request starts, when the Pool took the request if the Pool queued it: a duration counted
   * from creation would leave out the wait for a free connection, the very latency a saturated pool adds.
   */
  const counted = (request: UndiciRequest): void => {
    const origin = normaliseOrigin(request.origin);
    if (!core.wants(origin)) return attach(request, null);
    const source = findHeader(request.headers, 'sec-fetch-mode') !== undefined ? 'fetch' : 'undici';
    // a queued request's start is its dispatch time, already read: no second clock read (220–265
    // instructions each, performance.now()'s brand check included) for the requests a busy Pool queues
    attach(request, core.newTally(origin, request.method || 'GET', request.path, source, poolDispatchTime(request) ?? now()));
  };

  const onBeforeConnect = core.guard('undici:beforeConnect', (msg: ChannelMessages['undici:client:beforeConnect']) => {
    const { connectParams, connector } = msg;
    const origin = originOfParams(connectParams);
    const list = connecting.get(connector) ?? [];
    const host = (connectParams.hostname ?? '').replace(/^\[|\]$/g, '');
    const named = host !== '' && !isIP(host);
    // the TCP connect's own entry is needed to split a TLS handshake off, and a lookup off (a custom
    // lookup leaves no 'dns' entry): not for a plain connect to an IP literal (perf-entries.ts)
    const wantsTcp = named || connectParams.protocol === 'https:';
    if (wantsTcp) net.wantConnects();
    // undici's connector has not issued its lookup yet: count the work it will queue behind, plus itself
    list.push({ created: now(), origin, poolTasks: named ? threadpoolTasks() + 1 : undefined, wantsTcp });
    connecting.set(connector, list);
  });

  /**
   * The TCP connect comes from Node's 'net' perf entry, observed while a TLS connect or one to a host
   * name is under way (perf-entries.ts); a plain connect to an IP literal has none: it ends when
   * undici reports the connection and began when undici began connecting.
   * `end` is when undici reported the connection; `seenBy` (later, for a plain socket) is when the entry is
   * looked for. A plain socket's entry ends only after everything its 'connect' listeners did, undici's
   * `connected` and the first request's write included: that end is later than the connection (by 2 ms and
   * more on a busy machine), so it is looked for up to `seenBy` and the connect still ends at `end`.
   */
  const settleMarks = (conn: ConnectionState, params: ConnectParams, tls: boolean, end: number, seenBy = end): void => {
    const m = conn.marks;
    const tcp = net.take('net', m.created, seenBy, { port: Number(params.port || (params.protocol === 'https:' ? 443 : 80)) });
    const hostname = (params.hostname ?? '').replace(/^\[|\]$/g, '');
    if (hostname && !isIP(hostname)) {
      // Everything before the TCP connect started was name resolution (a custom lookup included).
      const lookup = net.take('dns', m.created, end, { host: hostname });
      const dnsEnd = tcp?.start ?? lookup?.end;
      if (dnsEnd !== undefined) {
        m.dnsStart = m.created;
        m.dnsEnd = dnsEnd;
      }
    }
    if (tcp) {
      m.connectStart = tcp.start;
      m.connectEnd = Math.min(tcp.end, end);
    } else {
      m.connectStart = m.dnsEnd ?? m.created;
    }
    if (tls) {
      m.tlsStart = m.connectEnd;
      m.tlsEnd = end;
    } else {
      m.connectEnd ??= end;
    }
  };

  const onConnected = core.guard('undici:connected', (msg: ChannelMessages['undici:client:connected']) => {
    const { connectParams, connector, socket } = msg;
    const t = now();
    const pending = connecting.get(connector)?.shift();
    const origin = pending?.origin ?? originOfParams(connectParams);
    if (!core.wants(origin)) {
      if (pending?.wantsTcp) net.releaseConnects();
      return;
    }
    const conn = core.newConnection({
      origin,
      source: 'undici',
      poolId: core.poolIds.of(poolOwner(socket, connector), 'undici'),
      created: pending?.created ?? t,
      seenFromStart: pending !== undefined,
      protocol: (socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2' ? 'h2' : 'http/1.1',
    });
    core.adoptSocket(socket, conn);
    if (pending?.poolTasks !== undefined) conn.marks.poolTasks = pending.poolTasks;
    const tls = (socket as { encrypted?: boolean }).encrypted === true;
    const settle = (seenBy = t): void => {
      try {
        settleMarks(conn, connectParams, tls, t, seenBy);
        core.announce(conn, socket);
      } finally {
        if (pending?.wantsTcp) net.releaseConnects();
      }
    };
    // A plain socket's 'net' perf entry is recorded just after its 'connect' event, which is where
    // undici publishes `connected`: settle once that call stack has unwound, if the entry is wanted.
    if (tls || !pending?.wantsTcp) settle();
    else process.nextTick(core.guard('undici:settle', () => settle(now())));
  });

  const onConnectError = core.guard('undici:connectError', (msg: ChannelMessages['undici:client:connectError']) => {
    const { connector } = msg;
    if (connecting.get(connector)?.shift()?.wantsTcp) net.releaseConnects();
  });

  const onSendHeaders = (msg: ChannelMessages['undici:client:sendHeaders']): void => {
    if (!core.active) return;
    try {
      const { request, socket, headers } = msg;
      const st = stateOf(request);
      if (isTally(st)) {
        const conn = core.connectionOf(socket);
        countUnsampled(conn);
        if (conn) {
          st.conn = conn;
          st.connectionId = conn.record.id;
          st.poolId = conn.record.poolId;
          st.reused = conn.assigned > 1 || !conn.seenFromStart;
        }
      } else if (st) sendingHeaders(st, socket, headers, request as UndiciRequest);
      else if (core.sampling) countUnsampled(core.connectionOf(socket));
    } catch (error) {
      core.fail('undici:sendHeaders', error);
    }
  };
  const sendingHeaders = (st: RequestState, socket: Socket, headers: unknown, request: UndiciRequest): void => {
    let conn = core.connectionOf(socket);
    if (!conn) {
      // A connection opened before the tracer started.
      conn = core.newConnection({ origin: st.origin, source: st.source, created: now(), seenFromStart: false, protocol: (socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2' ? 'h2' : 'http/1.1' });
      core.adoptSocket(socket, conn);
      core.announce(conn, socket);
    }
    if (conn.record.source !== st.source && conn.assigned === 0) conn.record.source = st.source;
    const t = now();
    // A connection with nothing in flight was free for this request from the moment its previous
    // request ended (or this one was created, if later): the pool wait (blocked) ends there. What
    // follows until the write is not the pool: undici checks an idle socket for one loop turn
    // before reusing it, and a busy loop stretches that turn; it is reported as loopQueueMs.
    const freeSince = conn.inflight === 0 && conn.assigned > 0 ? conn.idleSince : undefined;
    assignRequest(st, conn, t, !conn.seenFromStart && conn.assigned === 0);
    if (freeSince !== undefined && !st.paysEstablishment) {
      const assigned = Math.min(t, Math.max(st.marks.start, freeSince));
      st.marks.assigned = assigned;
      st.loopQueueMs = t - assigned;
    }
    // A request without a body is sent with its headers, in the write undici makes right after this
    // message; one with a body is sent at `bodySent` (or at the socket's drain after it).
    if (request.body == null) st.marks.sent = t;
    else st.writingOn = socket;
    // Cheap pre-check: most requests carry no Connection header at all.
    if (typeof headers === 'string' && headers.includes('onnection') && findHeader(headers, 'connection')?.toLowerCase() === 'close') conn.clientAskedClose = true;
  };

  const onBodySent = (msg: ChannelMessages['undici:request:bodySent']): void => {
    if (!core.active) return;
    try {
      const st = stateOf(msg.request);
      if (st && !isTally(st)) bodySent(st);
    } catch (error) {
      core.fail('undici:bodySent', error);
    }
  };
  const bodySent = (st: RequestState): void => {
    const socket = st.writingOn;
    st.writingOn = undefined;
    // Published once the body is handed to the socket: a large body is mostly still in the socket's
    // buffer then (write returned false), and is on the wire only at 'drain'.
    if (socket && socket.writableNeedDrain && !socket.destroyed) {
      socket.once('drain', core.guard('undici:drain', () => {
        if (!st.done) st.marks.sent ??= now();
      }));
    } else {
      st.marks.sent ??= now();
    }
  };

  const onHeaders = (msg: ChannelMessages['undici:request:headers']): void => {
    if (!core.active) return;
    try {
      const { request, response } = msg;
      const st = stateOf(request);
      if (isTally(st)) {
        st.status = response.statusCode;
        st.httpVersion = st.conn?.record.protocol === 'h2' ? '2.0' : '1.1';
        st.headersAt = core.coarseNow();
      } else if (st) gotHeaders(st, response);
    } catch (error) {
      core.fail('undici:headers', error);
    }
  };
  const gotHeaders = (st: RequestState, response: { statusCode: number; headers: unknown }): void => {
    const t = now();
    st.marks.sent ??= t;
    st.marks.firstByte = t;
    st.status = response.statusCode;
    const conn = st.conn;
    st.httpVersion = conn?.record.protocol === 'h2' ? '2.0' : '1.1';
    const last = conn?.record.keepAliveHint;
    noteKeepAlive(st, conn, findHeader(response.headers, 'connection', last?.connectionHeader), findHeader(response.headers, 'keep-alive', last?.keepAliveHeader));
  };

  const onTrailers = (msg: ChannelMessages['undici:request:trailers']): void => {
    if (!core.active) return;
    try {
      const st = stateOf(msg.request);
      if (isTally(st)) core.finishTally(st);
      else if (st) core.complete(st);
    } catch (error) {
      core.fail('undici:trailers', error);
    }
  };

  const onError = core.guard('undici:error', (msg: ChannelMessages['undici:request:error']) => {
    const { request, error } = msg;
    const st = stateOf(request);
    if (!st || st.done) return;
    st.error = classifyError(error, st.reused);
    if (isTally(st)) core.finishTally(st);
    else core.complete(st);
  });

  net.start();
  hookUndiciPoolQueue();
  const unsubscribe = [
    subscribeChannel('undici:request:create', onCreate),
    subscribeChannel('undici:client:beforeConnect', onBeforeConnect),
    subscribeChannel('undici:client:connected', onConnected),
    subscribeChannel('undici:client:connectError', onConnectError),
    subscribeChannel('undici:client:sendHeaders', onSendHeaders),
    subscribeChannel('undici:request:headers', onHeaders),
    subscribeChannel('undici:request:trailers', onTrailers),
    subscribeChannel('undici:request:error', onError),
  ];
  return () => {
    for (const u of unsubscribe) u();
    unsubscribeBodySent?.();
    unsubscribeBodySent = undefined;
    net.stop();
    unhookUndiciPoolQueue();
  };
}
