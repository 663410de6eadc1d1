import type http from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { classifyError } from '../errors.js';
import { now } from './clock.js';
import { addAgentHook, removeAgentHook, type AddRequestHook, type Placement } from './agent-hook.js';
import type { ConnectionState } from './connection-state.js';
import type { TracerCore } from './core.js';
import { noteKeepAlive } from './keepalive-hint.js';
import { findHeader } from './raw-headers.js';
import { assignRequest, pathOnly, type RequestState } from './request-state.js';
import { addHttpSocketHandlers, removeHttpSocketHandlers, watchHttpSocket, type HttpSocketHandlers } from './http-socket-watch.js';
import { addCloseWatcher, removeCloseWatcher, type CloseWatcher } from './socket-close.js';
import { threadpoolTasks } from './threadpool.js';
import { requestedOcsp } from './tls-info.js';
import { isTally, type RequestTally } from './tally.js';
import { subscribeChannel, type ChannelMessages } from './channels.js';

interface Pending {
  st: RequestState;
  placement: Placement;
  at: number;
  origin: string;
  /** Threadpool tasks right after addRequest opened a socket for a host name (its lookup just issued). */
  poolTasks: number | undefined;
}

function headerString(v: string | string[] | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** Host part of an origin built by originOf ('[::1]' → '::1'). */
function hostOf(origin: string): string {
  const h = origin.slice(origin.indexOf('//') + 2, origin.lastIndexOf(':'));
  return h.startsWith('[') ? h.slice(1, -1) : h;
}

/** The last origin built: clients mostly repeat one origin, so its string is reused, not rebuilt. */
let lastProtocol = '';
let lastHost = '';
let lastPort: number | string = '';
let lastOrigin = '';

function originOf(req: http.ClientRequest, options?: { host?: string; port?: number | string }, agent?: http.Agent): string {
  const protocol = req.protocol || (agent as { protocol?: string } | undefined)?.protocol || 'http:';
  const host = options?.host ?? req.host ?? 'localhost';
  const port = options?.port ?? (agent as { defaultPort?: number } | undefined)?.defaultPort ?? (protocol === 'https:' ? 443 : 80);
  if (protocol === lastProtocol && host === lastHost && port === lastPort) return lastOrigin;
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  lastProtocol = protocol;
  lastHost = host;
  lastPort = port;
  lastOrigin = `${protocol}//${h}:${port}`;
  return lastOrigin;
}

/**
 * node:http and node:https clients: Agent.addRequest (creation time and pool placement),
 * `http.client.request.start` (published once the request is handed to its socket: the `sent`
 * mark, or the request's 'finish' when its bytes are not flushed yet), `http.client.request.error` and `http.client.response.finish` channels, and passive
 * listeners on the request ('close'; 'socket' only when it did not get a free socket), the
 * response ('close', only when its connection is not kept alive) and the socket ('lookup',
 * 'connect', 'secureConnect', 'OCSPResponse', 'close'). No 'data' or 'response' listeners: those
 * would change flow mode or stop Node from dumping unread responses. Listeners are shared
 * functions that find their state through `this`, so a request costs no closures.
 */
export function traceHttp(core: TracerCore): () => void {

  const onLookup = core.guard('http:lookup', function (this: Socket, err: Error | null) {
    const conn = core.connectionOf(this);
    if (conn && !err) {
      conn.marks.dnsStart = conn.marks.created;
      conn.marks.dnsEnd = now();
    }
  });
  const onConnect = core.guard('http:connect', function (this: Socket) {
    const conn = core.connectionOf(this);
    if (!conn) return;
    conn.marks.connectEnd = now();
    if ((this as TLSSocket).encrypted !== true) core.announce(conn, this);
  });
  const onSecure = core.guard('http:secure', function (this: Socket) {
    const conn = core.connectionOf(this);
    if (!conn) return;
    conn.marks.tlsEnd = now();
    core.announce(conn, this);
  });
  const onOcsp = core.guard('http:ocsp', function (this: Socket, resp: Buffer) {
    const conn = core.connectionOf(this);
    if (conn) conn.ocspStapled = Boolean(resp && resp.length);
  });

  const connectionFor = (socket: Socket, p: Pending, poolId: string | undefined): ConnectionState => {
    let conn = core.connectionOf(socket);
    if (conn) return conn;
    const fresh = socket.connecting && p.placement !== 'reused';
    conn = core.newConnection({
      origin: p.origin,
      source: 'http',
      ...(poolId ? { poolId } : {}),
      created: fresh && p.placement === 'new' ? p.at : now(),
      seenFromStart: fresh,
    });
    core.adoptSocket(socket, conn);
    if (socket.connecting) {
      conn.marks.lookup = isIP(hostOf(p.origin)) === 0;
      // net.connect issued the lookup synchronously: the count includes it when it uses the threadpool
      if (conn.marks.lookup) conn.marks.poolTasks = p.poolTasks ?? threadpoolTasks();
      conn.marks.handshake = (socket as TLSSocket).encrypted === true;
      socket.once('lookup', onLookup);
      socket.once('connect', onConnect);
      if ((socket as TLSSocket).encrypted === true) {
        if (requestedOcsp(socket as TLSSocket)) socket.once('OCSPResponse', onOcsp);
        socket.once('secureConnect', onSecure);
      }
    } else {
      core.announce(conn, socket);
    }
    return conn;
  };

  // Per-request listeners and channel handlers carry their own guard instead of core.guard's
  // shared wrapper, whose one call site would see every handler (a megamorphic call per event).
  const onReqSocket = function (this: http.ClientRequest, socket: Socket): void {
    if (!core.active) return;
    try {
      reqSocket(this, socket);
    } catch (error) {
      core.fail('http:socket', error);
    }
  };
  const reqSocket = (req: http.ClientRequest, socket: Socket): void => {
    const p = core.stateOf<Pending>(req);
    if (p && !p.st.conn) assign(p, req, socket);
  };
  /** Puts a request without a connection yet on its socket's (no-op while it has no socket). */
  const assignPending = (p: Pending, req: http.ClientRequest): void => {
    if (!p.st.conn && req.socket) assign(p, req, req.socket);
  };
  const assign = (p: Pending, req: http.ClientRequest, socket: Socket): void => {
    const conn = connectionFor(socket, p, p.st.poolId);
    const assignedAt = p.placement === 'queued' ? now() : p.at;
    assignRequest(p.st, conn, assignedAt, req.reusedSocket && conn.assigned === 0 && !conn.seenFromStart);
    conn.clientAskedClose = req.shouldKeepAlive === false || headerString(req.getHeader('connection'))?.toLowerCase() === 'close';
  };
  const onReqFinish = function (this: http.ClientRequest): void {
    if (!core.active) return;
    const p = core.stateOf<Pending>(this);
    if (p && !p.st.done) p.st.marks.sent ??= now();
  };
  const onReqClose = function (this: http.ClientRequest): void {
    if (!core.active) return;
    try {
      reqClosed(this);
    } catch (error) {
      core.fail('http:req-close', error);
    }
  };
  const reqClosed = (req: http.ClientRequest): void => {
    const p = core.stateOf<Pending>(req);
    if (!p || p.st.done) return;
    assignPending(p, req);
    const res = (req as { res?: http.IncomingMessage | null }).res;
    // A response still arriving settles the request at its own 'close' (a kept-alive response
    // has no listener yet: Node destroys a cut-off response before this, so this is a safety net).
    if (res && !res.complete && !res.destroyed) {
      if (!res.listeners('close').includes(onResClose)) res.on('close', onResClose);
      return;
    }
    if (!res || !res.complete) {
      // Closed without a (complete) response and without an error: aborted by the user.
      p.st.error ??= { code: 'ABORTED', message: 'request closed before the response completed', layer: 'http', onReusedSocket: p.st.reused };
    }
    core.complete(p.st);
  };
  // 'close' rather than 'end': it also fires when the body is cut off (aborted, socket died).
  const onResClose = function (this: http.IncomingMessage): void {
    if (!core.active) return;
    try {
      resClosed(this);
    } catch (error) {
      core.fail('http:res-close', error);
    }
  };
  const resClosed = (res: http.IncomingMessage): void => {
    const req = (res as { req?: http.ClientRequest }).req;
    const p = req && core.stateOf<Pending>(req);
    if (!p || p.st.done) return;
    if (!res.complete) {
      const err = (res as { errored?: unknown }).errored;
      p.st.error ??= err ? classifyError(err, p.st.reused) : { code: 'ABORTED', message: 'response body cut off before it completed', layer: 'http', onReusedSocket: p.st.reused };
    }
    core.complete(p.st);
  };

  /** The agent seen last and its pool id: most requests repeat it (saves two weak lookups). */
  let lastAgentRef: WeakRef<http.Agent> | undefined;
  let lastAgentId: string | undefined;

  const track = (req: http.ClientRequest, origin: string, at: number, placement: Placement, agent?: http.Agent): Pending | undefined => {
    if (!core.wants(origin)) return undefined;
    let poolId: string | undefined;
    if (agent !== undefined && agent === lastAgentRef?.deref()) {
      poolId = lastAgentId;
    } else if (agent) {
      poolId = core.poolIds.of(agent, 'agent');
      core.rememberPool(agent);
      // Remembered weakly: a strong reference here would keep a dropped Agent alive.
      lastAgentRef = new WeakRef(agent);
      lastAgentId = poolId;
    }
    const st = core.newRequest(origin, req.method || 'GET', pathOnly(req.path), 'http', at, poolId);
    // counted as the lookup is issued: in a burst, the 'socket' event comes after every lookup of the burst
    const poolTasks = placement === 'new' && isIP(hostOf(origin)) === 0 ? threadpoolTasks() : undefined;
    const p: Pending = { st, placement, at, origin, poolTasks };
    core.attach(req, p);
    // A request handed a free socket is put on its connection when `http.client.request.start`
    // fires (its socket is known by then, and its assigned mark is its start): a 'socket'
    // listener per request costs more than the rest of that request's bookkeeping.
    if (placement !== 'reused') req.on('socket', onReqSocket);
    req.on('close', onReqClose);
    return p;
  };

  const hook: AddRequestHook = (agent, req, options, at, placement) => {
    if (!core.active) return;
    // Sampling skips only requests that got a kept-alive socket: one that opens or waits for a
    // connection is always traced, so no connection goes unseen.
    try {
      if (core.stateOf<Pending>(req) !== undefined) return;
      if (placement === 'reused' && !core.sampled()) {
        // The loop is alive at `at` (read before the sampling was decided): the event-loop probe's
        // tick moves on as at a traced request's end, so at a low rate its timer does not wake
        // between the rare traced requests (event-loop.ts, seen()).
        core.eventLoop?.seen(at);
        return core.tallying ? counted(req, options, at, agent) : core.attach(req, null);
      }
      track(req, originOf(req, options, agent), at, placement, agent);
    } catch (error) {
      core.fail('http:addRequest', error);
    }
  };

  /** Sampled out but counted: a tally (tally.ts), ended when its socket is freed or closes (below). */
  const counted = (req: http.ClientRequest, options: { host?: string; port?: number | string } | undefined, at: number, agent: http.Agent): void => {
    const origin = originOf(req, options, agent);
    if (!core.wants(origin)) return core.attach(req, null);
    // no listener here: it ends when its socket is freed or closes (sockets watched once, below)
    core.attach(req, core.newTally(origin, req.method || 'GET', req.path, 'http', at));
  };
  /** A counted request's end: its socket freed, its socket closed, or (fallback) the request's 'close'. */
  const tallyClosed = (req: http.ClientRequest, t: RequestTally | null | undefined = core.stateOf<RequestTally>(req)): void => {
    if (!isTally(t) || t.done) return;
    const res = (req as { res?: http.IncomingMessage | null }).res;
    if (res && !res.complete && !res.destroyed) {
      if (!res.listeners('close').includes(onTallyResClose)) res.on('close', onTallyResClose);
      return;
    }
    if (!res || !res.complete) t.error ??= { code: 'ABORTED', message: 'request closed before the response completed', layer: 'http', onReusedSocket: t.reused };
    core.finishTally(t);
  };
  const onTallyClose = function (this: http.ClientRequest): void {
    if (!core.active) return;
    try {
      tallyClosed(this);
    } catch (error) {
      core.fail('http:tally-close', error);
    }
  };
  const tallyGone = (req: http.ClientRequest): void => {
    if (!core.active) return;
    try {
      tallyClosed(req);
    } catch (error) {
      core.fail('http:tally-gone', error);
    }
  };
  /**
   * The socket of a counted request is freed (its response ended, the socket kept alive: the request's
   * end) or closed under it: Node's own close handling (which destroys a cut-off response with its
   * error, then closes the request) runs after this listener, so the request is settled a tick later,
   * with what Node decided, as the request's 'close' listener would have.
   */
  const socketHandlers: HttpSocketHandlers = {
    free: (socket) => {
      if (!core.active) return;
      try {
        const req = (socket as { _httpMessage?: http.ClientRequest | null })._httpMessage;
        if (req) tallyClosed(req);
      } catch (error) {
        core.fail('http:free', error);
      }
    },
  };
  /** A socket closed (socket-close.ts tells every watcher, undici's sockets too: those name no request). */
  const closeWatcher: CloseWatcher = {
    onSocketClose: (socket) => {
      if (!core.active) return;
      try {
        const req = (socket as { _httpMessage?: http.ClientRequest | null })._httpMessage;
        const t = req && core.stateOf<RequestTally>(req);
        if (isTally(t) && !t.done) process.nextTick(tallyGone, req);
      } catch (error) {
        core.fail('http:gone', error);
      }
    },
  };
  const onTallyResClose = function (this: http.IncomingMessage): void {
    if (!core.active) return;
    try {
      const req = (this as { req?: http.ClientRequest }).req;
      const t = req && core.stateOf<RequestTally>(req);
      if (!isTally(t) || t.done) return;
      if (!this.complete) {
        const err = (this as { errored?: unknown }).errored;
        t.error ??= err ? classifyError(err, t.reused) : { code: 'ABORTED', message: 'response body cut off before it completed', layer: 'http', onReusedSocket: t.reused };
      }
      core.finishTally(t);
    } catch (error) {
      core.fail('http:tally-res-close', error);
    }
  };

  const onStart = (msg: ChannelMessages['http.client.request.start']): void => {
    if (!core.active) return;
    try {
      started(msg.request);
    } catch (error) {
      core.fail('http:start', error);
    }
  };
  const started = (req: http.ClientRequest): void => {
    const known = core.stateOf<Pending | RequestTally>(req);
    if (isTally(known)) {
      const conn = req.socket ? core.connectionOf(req.socket) : undefined;
      if (conn) {
        // its end is the socket's 'free': watched from the first counted request on it, so a
        // process nobody counts requests in pays no second 'free' listener per request
        if (!conn.freeWatched) {
          conn.freeWatched = true;
          watchHttpSocket(req.socket!);
        }
        conn.assigned++;
        conn.record.requests++;
        conn.idleSince = undefined;
        known.conn = conn;
        known.connectionId = conn.record.id;
        known.poolId = conn.record.poolId;
      } else {
        // a socket the tracer never adopted (open before it started): no socket watch, so the request's own 'close'
        req.on('close', onTallyClose);
      }
      known.reused = true; // only requests handed a kept-alive socket are sampled out
      return;
    }
    if (known) {
      assignPending(known, req);
      // Published from _finish, when the request is handed to its socket: on a socket still
      // connecting (or one holding unflushed body bytes) nothing is on the wire yet, so `sent`
      // waits for 'finish' (the last write's callback). Fully flushed already: sent now, no listener.
      const sock = req.socket;
      if (sock && !sock.connecting && sock.writableLength === 0) known.st.marks.sent ??= now();
      else req.once('finish', onReqFinish);
      return;
    }
    const socket = req.socket;
    if (known === null) {
      // Sampled out at addRequest: counted on its connection (busy now), not traced.
      const conn = socket ? core.connectionOf(socket) : undefined;
      if (conn) {
        conn.assigned++;
        conn.record.requests++;
        conn.idleSince = undefined;
      }
      return;
    }
    // No Agent (createConnection), or created before the tracer started.
    const t = now();
    const agent = (req as { agent?: http.Agent | false }).agent || undefined;
    const tracked = track(req, originOf(req, undefined, agent), t, 'new', agent);
    if (tracked && socket && !tracked.st.conn) {
      const conn = connectionFor(socket, tracked, tracked.st.poolId);
      assignRequest(tracked.st, conn, t, req.reusedSocket);
    }
    if (tracked) tracked.st.marks.sent = t;
  };

  const onResponse = (msg: ChannelMessages['http.client.response.finish']): void => {
    if (!core.active) return;
    try {
      const { request, response } = msg;
      const p = core.stateOf<Pending | RequestTally>(request);
      if (isTally(p)) {
        p.status = response.statusCode;
        p.httpVersion = response.httpVersion;
        p.headersAt = core.coarseNow();
        // a response whose connection is closed ends at its own 'close' (as a traced one)
        if (!request.shouldKeepAlive) response.on('close', onTallyResClose);
      } else if (p) {
        assignPending(p, request);
        responded(p, response, request.shouldKeepAlive);
      }
    } catch (error) {
      core.fail('http:response', error);
    }
  };
  const responded = (p: Pending, response: http.IncomingMessage, keepAlive: boolean): void => {
    const st = p.st;
    const t = now();
    st.marks.sent ??= t;
    st.marks.firstByte = t;
    st.status = response.statusCode;
    st.httpVersion = response.httpVersion;
    // rawHeaders, not headers: Node builds the headers object lazily, on first read, and a client
    // that never reads it should not pay for it because it is traced.
    const raw = response.rawHeaders;
    const last = st.conn?.record.keepAliveHint;
    noteKeepAlive(st, st.conn, findHeader(raw, 'connection', last?.connectionHeader), findHeader(raw, 'keep-alive', last?.keepAliveHeader));
    // A kept-alive response ends the request at the request's 'close', which Node emits once the
    // response has ended and the socket goes back to the pool (or, cut off, once the socket died):
    // no listener on the response needed. A connection being closed ends it at the response's own
    // 'close', which comes before the socket's.
    if (!keepAlive) response.on('close', onResClose);
  };

  const onError = core.guard('http:error', (msg: ChannelMessages['http.client.request.error']) => {
    const { request, error } = msg;
    const p = core.stateOf<Pending | RequestTally>(request);
    if (isTally(p)) {
      if (p.done) return;
      p.error = classifyError(error, true);
      return core.finishTally(p);
    }
    if (!p || p.st.done) return;
    assignPending(p, request);
    p.st.error = classifyError(error, request.reusedSocket || p.st.reused);
    core.complete(p.st);
  });

  addAgentHook(hook);
  addHttpSocketHandlers(socketHandlers);
  addCloseWatcher(closeWatcher);
  const unsubscribe = [subscribeChannel('http.client.request.start', onStart), subscribeChannel('http.client.response.finish', onResponse), subscribeChannel('http.client.request.error', onError)];
  return () => {
    removeAgentHook(hook);
    removeHttpSocketHandlers(socketHandlers);
    removeCloseWatcher(closeWatcher);
    for (const u of unsubscribe) u();
  };
}
