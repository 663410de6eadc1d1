import dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { classifyError } from '../errors.js';
import { parseKeepAliveHeader } from '../model/connection.js';
import { now } from './clock.js';
import type { ConnectionState } from './connection-state.js';
import type { TracerCore } from './core.js';
import { NetTimings } from './perf-entries.js';
import { hookUndiciPoolQueue, poolDispatchTime, unhookUndiciPoolQueue } from './undici-queue-hook.js';
import { assignRequest, noteResponseHeaders, pathOnly, type RequestState } from './request-state.js';

interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
  headers?: unknown;
}

interface ConnectParams {
  host?: string;
  hostname?: string;
  protocol?: string;
  port?: string | number;
}

interface PendingConnect {
  created: number;
  origin: string;
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

/** Headers from undici's raw form: [name, value, ...] as Buffers or strings, or 'k: v\r\n' text. */
function findHeader(headers: unknown, name: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const k = headers[i];
      const key = typeof k === 'string' ? k : Buffer.isBuffer(k) ? k.toString('latin1') : String(k);
      if (key.length === name.length && key.toLowerCase() === name) {
        const v = headers[i + 1];
        return Array.isArray(v) ? v.map(String).join(', ') : Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
      }
    }
    return undefined;
  }
  if (typeof headers === 'string') {
    const m = new RegExp(`(?:^|\\r\\n)${name}:\\s*([^\\r\\n]*)`, 'i').exec(headers);
    return m?.[1];
  }
  return undefined;
}

function originOfParams(p: ConnectParams): string {
  const protocol = p.protocol || 'http:';
  const port = p.port || (protocol === 'https:' ? 443 : 80);
  const host = p.hostname ?? p.host ?? 'localhost';
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${protocol}//${h}:${port}`;
}

function normaliseOrigin(o: string | URL | undefined): string {
  if (!o) return 'unknown://';
  try {
    const u = new URL(String(o));
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${u.protocol}//${u.hostname}:${port}`;
  } catch {
    return String(o);
  }
}

/**
 * undici from npm and Node's built-in fetch (its bundled undici publishes on the same channel
 * names): `undici:request:*` for request marks, `undici:client:*` for connections. A request is
 * from fetch when it carries fetch's mandatory `sec-fetch-mode` header.
 */
export function traceUndici(core: TracerCore): () => void {
  const requests = new WeakMap<object, RequestState>();
  const conns = new WeakMap<Socket, ConnectionState>();
  const connecting = new WeakMap<object, PendingConnect[]>();
  const net = new NetTimings();

  const onCreate = core.guard('undici:create', (msg: unknown) => {
    const request = (msg as { request: UndiciRequest }).request;
    const origin = normaliseOrigin(request.origin);
    if (!core.wants(origin)) return;
    const source = findHeader(request.headers, 'sec-fetch-mode') !== undefined ? 'fetch' : 'undici';
    const t = now();
    const queuedSince = poolDispatchTime(request);
    const start = queuedSince !== undefined && queuedSince < t ? queuedSince : t;
    const st = core.newRequest({ origin, method: request.method || 'GET', path: pathOnly(request.path), source, start });
    requests.set(request, st);
  });

  const onBeforeConnect = core.guard('undici:beforeConnect', (msg: unknown) => {
    const { connectParams, connector } = msg as { connectParams: ConnectParams; connector: object };
    const origin = originOfParams(connectParams);
    const list = connecting.get(connector) ?? [];
    list.push({ created: now(), origin });
    connecting.set(connector, list);
  });

  const settleMarks = (conn: ConnectionState, params: ConnectParams, tls: boolean, end: number): void => {
    const m = conn.marks;
    const port = Number(params.port || (params.protocol === 'https:' ? 443 : 80));
    const tcp = net.take('net', m.created, end, { port });
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
      m.connectEnd = tcp.end;
    }
    if (tls) {
      m.tlsStart = m.connectEnd;
      m.tlsEnd = end;
    } else {
      m.connectEnd ??= end;
    }
  };

  const onConnected = core.guard('undici:connected', (msg: unknown) => {
    const { connectParams, connector, socket } = msg as { connectParams: ConnectParams; connector: object; socket: Socket };
    const t = now();
    const pending = connecting.get(connector)?.shift();
    const origin = pending?.origin ?? originOfParams(connectParams);
    if (!core.wants(origin)) return;
    const conn = core.newConnection({
      origin,
      source: 'undici',
      poolId: core.poolIds.of(poolOwner(socket, connector), 'undici'),
      created: pending?.created ?? t,
      seenFromStart: pending !== undefined,
      protocol: (socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2' ? 'h2' : 'http/1.1',
    });
    conns.set(socket, conn);
    const tls = (socket as { encrypted?: boolean }).encrypted === true;
    if (tls) {
      settleMarks(conn, connectParams, tls, t);
      core.announce(conn, socket);
    } else {
      // A plain socket's 'net' perf entry is recorded just after its 'connect' event, which is
      // where undici publishes `connected`: settle once that call stack has unwound.
      process.nextTick(core.guard('undici:settle', () => {
        settleMarks(conn, connectParams, tls, t);
        core.announce(conn, socket);
      }));
    }
    socket.once('close', core.guard('undici:close', () => core.close(conn, socket)));
  });

  const onConnectError = core.guard('undici:connectError', (msg: unknown) => {
    const { connector } = msg as { connector: object };
    connecting.get(connector)?.shift();
  });

  const onSendHeaders = core.guard('undici:sendHeaders', (msg: unknown) => {
    const { request, socket, headers } = msg as { request: object; socket: Socket; headers: unknown };
    const st = requests.get(request);
    if (!st) return;
    let conn = conns.get(socket);
    if (!conn) {
      // A connection opened before the tracer started.
      conn = core.newConnection({ origin: st.origin, source: st.source, created: now(), seenFromStart: false, protocol: (socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2' ? 'h2' : 'http/1.1' });
      conns.set(socket, conn);
      core.announce(conn, socket);
      socket.once('close', core.guard('undici:close', () => conn && core.close(conn, socket)));
    }
    if (conn.record.source !== st.source && conn.assigned === 0) conn.record.source = st.source;
    assignRequest(st, conn, now(), !conn.seenFromStart && conn.assigned === 0);
    if (typeof headers === 'string' && /(?:^|\r\n)connection:\s*close/i.test(headers)) conn.clientAskedClose = true;
  });

  const onBodySent = core.guard('undici:bodySent', (msg: unknown) => {
    const st = requests.get((msg as { request: object }).request);
    if (st) st.marks.sent ??= now();
  });

  const onHeaders = core.guard('undici:headers', (msg: unknown) => {
    const { request, response } = msg as { request: object; response: { statusCode: number; headers: unknown } };
    const st = requests.get(request);
    if (!st) return;
    const t = now();
    st.marks.sent ??= t;
    st.marks.firstByte = t;
    st.status = response.statusCode;
    const conn = st.conn;
    st.httpVersion = conn?.record.protocol === 'h2' ? '2.0' : '1.1';
    const connection = findHeader(response.headers, 'connection');
    const keepAlive = findHeader(response.headers, 'keep-alive');
    noteResponseHeaders(st, connection, keepAlive);
    if (conn) {
      conn.serverAskedClose = connection?.toLowerCase() === 'close';
      if (connection !== undefined || keepAlive !== undefined) {
        conn.record.keepAliveHint = { ...(connection !== undefined ? { connectionHeader: connection } : {}), ...(keepAlive !== undefined ? { keepAliveHeader: keepAlive } : {}), ...parseKeepAliveHeader(keepAlive) };
      }
    }
  });

  const onTrailers = core.guard('undici:trailers', (msg: unknown) => {
    const st = requests.get((msg as { request: object }).request);
    if (st) core.complete(st);
  });

  const onError = core.guard('undici:error', (msg: unknown) => {
    const { request, error } = msg as { request: object; error: unknown };
    const st = requests.get(request);
    if (!st || st.done) return;
    st.error = classifyError(error, st.reused);
    core.complete(st);
  });

  const subs: [string, (msg: unknown) => void][] = [
    ['undici:request:create', onCreate],
    ['undici:client:beforeConnect', onBeforeConnect],
    ['undici:client:connected', onConnected],
    ['undici:client:connectError', onConnectError],
    ['undici:client:sendHeaders', onSendHeaders],
    ['undici:request:bodySent', onBodySent],
    ['undici:request:headers', onHeaders],
    ['undici:request:trailers', onTrailers],
    ['undici:request:error', onError],
  ];
  net.start();
  hookUndiciPoolQueue();
  for (const [name, fn] of subs) dc.subscribe(name, fn);
  return () => {
    for (const [name, fn] of subs) dc.unsubscribe(name, fn);
    net.stop();
    unhookUndiciPoolQueue();
  };
}
