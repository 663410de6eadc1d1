import dc from 'node:diagnostics_channel';
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { classifyError } from '../errors.js';
import { parseKeepAliveHeader } from '../model/connection.js';
import { now } from './clock.js';
import { addAgentHook, removeAgentHook, type AddRequestHook, type Placement } from './agent-hook.js';
import type { ConnectionState } from './connection-state.js';
import type { TracerCore } from './core.js';
import { assignRequest, noteResponseHeaders, pathOnly, type RequestState } from './request-state.js';

interface Pending {
  st: RequestState;
  placement: Placement;
  at: number;
}

function headerString(v: string | string[] | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

function originOf(req: http.ClientRequest, options?: { host?: string; port?: number | string }, agent?: http.Agent): string {
  const protocol = req.protocol || (agent as { protocol?: string } | undefined)?.protocol || 'http:';
  const host = options?.host ?? req.host ?? 'localhost';
  const defaultPort = protocol === 'https:' ? 443 : 80;
  const port = options?.port ?? (agent as { defaultPort?: number } | undefined)?.defaultPort ?? defaultPort;
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${protocol}//${h}:${port}`;
}

/**
 * node:http and node:https clients: Agent.addRequest (creation time and pool placement),
 * `http.client.request.start|error` and `http.client.response.finish` channels, and passive
 * listeners on the request ('socket', 'finish', 'close'), response ('end') and socket ('lookup',
 * 'connect', 'secureConnect', 'OCSPResponse', 'close'). No 'data' or 'response' listeners: those
 * would change flow mode or stop Node from dumping unread responses.
 */
export function traceHttp(core: TracerCore): () => void {
  const requests = new WeakMap<http.ClientRequest, Pending>();
  const conns = new WeakMap<Socket, ConnectionState>();

  const watchSocket = (socket: Socket, conn: ConnectionState): void => {
    const tls = (socket as TLSSocket).encrypted === true;
    if (socket.connecting) {
      socket.once('lookup', core.guard('http:lookup', (err: Error | null) => {
        if (!err) {
          conn.marks.dnsStart = conn.marks.created;
          conn.marks.dnsEnd = now();
        }
      }));
      socket.once('connect', core.guard('http:connect', () => {
        conn.marks.connectEnd = now();
        if (!tls) core.announce(conn, socket);
      }));
      if (tls) {
        const t = socket as TLSSocket;
        if ((t as unknown as { _tlsOptions?: { requestOCSP?: boolean } })._tlsOptions?.requestOCSP) {
          t.once('OCSPResponse', core.guard('http:ocsp', (resp: Buffer) => {
            conn.ocspStapled = Boolean(resp && resp.length);
          }));
        }
        t.once('secureConnect', core.guard('http:secure', () => {
          conn.marks.tlsEnd = now();
          core.announce(conn, socket);
        }));
      }
    } else {
      core.announce(conn, socket);
    }
    socket.once('close', core.guard('http:close', () => core.close(conn, socket)));
  };

  const connectionFor = (socket: Socket, p: Pending, origin: string, poolId: string | undefined): ConnectionState => {
    let conn = conns.get(socket);
    if (conn) return conn;
    const fresh = socket.connecting && p.placement !== 'reused';
    conn = core.newConnection({
      origin,
      source: 'http',
      ...(poolId ? { poolId } : {}),
      created: fresh && p.placement === 'new' ? p.at : now(),
      seenFromStart: fresh,
    });
    conns.set(socket, conn);
    watchSocket(socket, conn);
    return conn;
  };

  const track = (req: http.ClientRequest, origin: string, at: number, placement: Placement, agent?: http.Agent): Pending | undefined => {
    if (!core.wants(origin)) return undefined;
    const poolId = agent ? core.poolIds.of(agent, 'agent') : undefined;
    if (agent) core.rememberPool(agent);
    const st = core.newRequest({ origin, method: req.method || 'GET', path: pathOnly(req.path), source: 'http', start: at, ...(poolId ? { poolId } : {}) });
    const p: Pending = { st, placement, at };
    requests.set(req, p);
    req.once('socket', core.guard('http:socket', (socket: Socket) => {
      const conn = connectionFor(socket, p, origin, poolId);
      const assignedAt = placement === 'queued' ? now() : at;
      assignRequest(st, conn, assignedAt, req.reusedSocket && conn.assigned === 0 && !conn.seenFromStart);
      const connectionHeader = headerString(req.getHeader('connection'));
      conn.clientAskedClose = connectionHeader?.toLowerCase() === 'close' || req.shouldKeepAlive === false;
    }));
    req.once('finish', core.guard('http:finish', () => {
      st.marks.sent ??= now();
    }));
    req.once('close', core.guard('http:req-close', () => {
      if (st.done) return;
      // Closed before the response ended: aborted by the user or the socket died.
      st.error ??= { code: 'ABORTED', message: 'request closed before the response completed', layer: 'http', onReusedSocket: st.reused };
      core.complete(st);
    }));
    return p;
  };

  const hook: AddRequestHook = core.guard('http:addRequest', (agent, req, options, at, placement) => {
    if (requests.has(req)) return;
    track(req, originOf(req, options, agent), at, placement, agent);
  }) as AddRequestHook;

  const onStart = core.guard('http:start', (msg: unknown) => {
    const req = (msg as { request: http.ClientRequest }).request;
    const p = requests.get(req);
    if (p) {
      // Published from _finish: the request body has been handed to the socket.
      return;
    }
    // No Agent (createConnection) or created before the tracer started.
    const t = now();
    const agent = (req as { agent?: http.Agent | false }).agent || undefined;
    const tracked = track(req, originOf(req, undefined, agent), t, 'new', agent);
    const socket = req.socket;
    if (tracked && socket) {
      const conn = connectionFor(socket, tracked, tracked.st.origin, tracked.st.poolId);
      assignRequest(tracked.st, conn, t, req.reusedSocket);
    }
  });

  const onResponse = core.guard('http:response', (msg: unknown) => {
    const { request, response } = msg as { request: http.ClientRequest; response: http.IncomingMessage };
    const p = requests.get(request);
    if (!p) return;
    const st = p.st;
    const t = now();
    st.marks.sent ??= t;
    st.marks.firstByte = t;
    st.status = response.statusCode;
    st.httpVersion = response.httpVersion;
    const connection = headerString(response.headers.connection);
    const keepAlive = headerString(response.headers['keep-alive']);
    noteResponseHeaders(st, connection, keepAlive);
    const conn = st.conn;
    if (conn) {
      conn.serverAskedClose = connection?.toLowerCase() === 'close';
      if (connection !== undefined || keepAlive !== undefined) {
        conn.record.keepAliveHint = { ...(connection !== undefined ? { connectionHeader: connection } : {}), ...(keepAlive !== undefined ? { keepAliveHeader: keepAlive } : {}), ...parseKeepAliveHeader(keepAlive) };
      }
    }
    response.once('end', core.guard('http:end', () => core.complete(st)));
  });

  const onError = core.guard('http:error', (msg: unknown) => {
    const { request, error } = msg as { request: http.ClientRequest; error: unknown };
    const p = requests.get(request);
    if (!p || p.st.done) return;
    p.st.error = classifyError(error, request.reusedSocket || p.st.reused);
    core.complete(p.st);
  });

  addAgentHook(hook);
  dc.subscribe('http.client.request.start', onStart);
  dc.subscribe('http.client.response.finish', onResponse);
  dc.subscribe('http.client.request.error', onError);
  return () => {
    removeAgentHook(hook);
    dc.unsubscribe('http.client.request.start', onStart);
    dc.unsubscribe('http.client.response.finish', onResponse);
    dc.unsubscribe('http.client.request.error', onError);
  };
}
