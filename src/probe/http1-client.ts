import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { addIdlePeriod, newIdleStats, parseKeepAliveHeader, type ConnectionRecord } from '../model/connection.js';
import { phasesFromMarks, type RequestMarks } from '../model/phases.js';
import type { RequestTrace } from '../model/request.js';
import { classifyError, type ConnscopeError } from '../errors.js';
import { explainError, phaseTimeout, type FailedIn, type FailureContext } from './failure.js';
import { tlsInfoOf } from './tls-info.js';
import type { Target } from './target.js';

/** TLS settings of the probe's client; verification stays on unless `rejectUnauthorized` is false. */
export interface ClientTls {
  ca?: string | string[];
  rejectUnauthorized: boolean;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ALPNProtocols?: string[];
}

export interface RequestSpec {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Deadline of this request, establishment included. */
  timeoutMs: number;
}

/** One request's outcome: the trace, plus the explained error when it failed. */
export interface Exchange {
  trace: RequestTrace;
  error?: ConnscopeError;
  statusCode?: number;
}

interface SocketState {
  socket: net.Socket;
  record: ConnectionRecord;
  createdAt: number;
  lookupAt?: number;
  connectAt?: number;
  secureAt?: number;
  ocspStapled?: boolean;
  /** performance.now() when the last response on it ended (start of an idle period). */
  idleSince?: number;
  busy: boolean;
  lastResponseClose: boolean;
  closedByClient: boolean;
  gotEnd: boolean;
  closed: Promise<number>;
}

/**
 * A keep-alive HTTP/1.1 client of one origin that records, from socket events, the same connection and
 * request records the tracer produces: establishment phases, reuse, idle gaps, TLS facts and who closed.
 */
export class Http1Client {
  readonly connections = new Map<string, ConnectionRecord>();
  readonly agent: http.Agent;
  private readonly states = new Map<string, SocketState>();
  private readonly bySocket = new WeakMap<net.Socket, SocketState>();
  private nextConn = 1;
  private nextReq = 1;

  constructor(
    private readonly target: Target,
    private readonly tlsOptions: ClientTls,
    private readonly connectTimeoutMs: number,
    private readonly idPrefix = 'c',
  ) {
    const onSocket = (s: net.Socket): void => this.track(s);
    const base = {
      keepAlive: true,
      maxSockets: 1,
      // the probe decides when idle sockets go away; the agent must not close them first
      timeout: 0,
      ...(target.lookup ? { lookup: target.lookup } : {}),
    };
    if (target.secure) {
      this.agent = new (class extends https.Agent {
        override createConnection(options: any, cb?: any): any {
          const s = (https.Agent.prototype as any).createConnection.call(this, options, cb) as net.Socket;
          onSocket(s);
          return s;
        }
        override keepSocketAlive(socket: net.Socket): boolean {
          return keepAliveAsServerAllows(socket);
        }
      })({
        ...base,
        ca: tlsOptions.ca,
        rejectUnauthorized: tlsOptions.rejectUnauthorized,
        minVersion: tlsOptions.minVersion,
        maxVersion: tlsOptions.maxVersion,
        ALPNProtocols: tlsOptions.ALPNProtocols,
        servername: target.servername,
        requestOCSP: true,
        maxCachedSessions: 10,
      } as https.AgentOptions);
    } else {
      this.agent = new (class extends http.Agent {
        override createConnection(options: any, cb?: any): any {
          const s = (http.Agent.prototype as any).createConnection.call(this, options, cb) as net.Socket;
          onSocket(s);
          return s;
        }
        override keepSocketAlive(socket: net.Socket): boolean {
          return keepAliveAsServerAllows(socket);
        }
      })(base);
    }
  }

  private track(socket: net.Socket): void {
    const createdAt = performance.now();
    const id = `${this.idPrefix}${this.nextConn++}`;
    const record: ConnectionRecord = {
      id,
      origin: this.target.origin,
      source: 'probe',
      poolId: 'probe',
      protocol: 'http/1.1',
      openedAt: createdAt,
      openedAtEpoch: Date.now(),
      establishment: { total: 0 },
      requests: 0,
      idle: newIdleStats(),
    };
    let closedResolve!: (at: number) => void;
    const state: SocketState = {
      socket, record, createdAt, busy: false, lastResponseClose: false, closedByClient: false, gotEnd: false,
      closed: new Promise<number>((r) => (closedResolve = r)),
    };
    this.states.set(id, state);
    this.bySocket.set(socket, state);
    this.connections.set(id, record);
    const connectTimer = setTimeout(() => {
      const phase: FailedIn = state.connectAt === undefined ? (state.lookupAt === undefined && this.target.servername ? 'dns' : 'connect') : 'tls';
      socket.destroy(phaseTimeout(this.failureContext(state, phase), this.connectTimeoutMs));
    }, this.connectTimeoutMs);
    connectTimer.unref();
    socket.once('lookup', () => (state.lookupAt = performance.now()));
    socket.once('connect', () => {
      state.connectAt = performance.now();
      record.remoteAddress = socket.remoteAddress;
      record.remotePort = socket.remotePort;
      record.localAddress = socket.localAddress;
      record.localPort = socket.localPort;
      if (!this.target.secure) {
        clearTimeout(connectTimer);
        this.finishEstablishment(state);
      }
    });
    socket.on('OCSPResponse', (resp: Buffer | null) => (state.ocspStapled = Boolean(resp && resp.length > 0)));
    socket.once('secureConnect', () => {
      state.secureAt = performance.now();
      clearTimeout(connectTimer);
      record.tls = tlsInfoOf(socket as tls.TLSSocket, state.ocspStapled ?? false);
      this.finishEstablishment(state);
    });
    socket.once('end', () => (state.gotEnd = true));
    socket.once('close', (hadError: boolean) => {
      clearTimeout(connectTimer);
      const at = performance.now();
      record.closedAt = at;
      if (state.closedByClient) record.close = { closedBy: 'client', reason: 'client-closed' };
      else if (state.lastResponseClose) record.close = { closedBy: 'server', reason: 'server-connection-close' };
      else if (hadError) record.close = { closedBy: 'unknown', reason: 'reset' };
      else if (!state.gotEnd) record.close = { closedBy: 'client', reason: 'client-closed' };
      else if (!state.busy && state.idleSince !== undefined) record.close = { closedBy: 'server', reason: 'server-idle-timeout' };
      else record.close = { closedBy: 'server', reason: 'server-closed' };
      closedResolve(at);
    });
  }

  private finishEstablishment(state: SocketState): void {
    const e = state.record.establishment;
    let cursor = state.createdAt;
    if (state.lookupAt !== undefined) {
      e.dns = state.lookupAt - cursor;
      cursor = state.lookupAt;
    }
    if (state.connectAt !== undefined) {
      e.connect = Math.max(0, state.connectAt - cursor);
      cursor = state.connectAt;
    }
    if (state.secureAt !== undefined) {
      e.tls = Math.max(0, state.secureAt - cursor);
      cursor = state.secureAt;
    }
    e.total = cursor - state.createdAt;
  }

  private failureContext(state: SocketState | undefined, phase: FailedIn, bodyBytes?: number): FailureContext {
    return { host: this.target.host, port: this.target.port, address: state?.record.remoteAddress ?? this.target.pinnedAddress, phase, bodyBytes };
  }

  /** One request through the pool; never rejects: failures come back as `error` with the trace measured so far. */
  request(spec: RequestSpec): Promise<Exchange> {
    const marks: RequestMarks = { start: performance.now() };
    const startedAtEpoch = Date.now();
    const trace: RequestTrace = {
      id: `r${this.nextReq++}`,
      origin: this.target.origin,
      method: spec.method,
      path: this.target.url.pathname,
      source: 'probe',
      poolId: 'probe',
      startedAt: marks.start,
      startedAtEpoch,
      phases: { total: 0 },
      reused: false,
    };
    return new Promise<Exchange>((resolve) => {
      let state: SocketState | undefined;
      let bodyBytes = 0;
      let settled = false;
      let statusCode: number | undefined;
      const headers: Record<string, string> = { ...spec.headers };
      if (spec.body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(spec.body));
      const req = (this.target.secure ? https : http).request({
        agent: this.agent,
        host: this.target.host,
        port: this.target.port,
        servername: this.target.servername,
        method: spec.method,
        path: this.target.url.pathname + this.target.url.search,
        headers: { host: this.target.url.host, ...headers },
        ...(this.target.lookup ? { lookup: this.target.lookup } : {}),
      });
      const onData = (): void => {
        if (marks.firstByte === undefined) marks.firstByte = performance.now();
      };
      const phaseNow = (): FailedIn => {
        if (!state) return 'connect';
        if (state.connectAt === undefined) return state.lookupAt === undefined && this.target.servername ? 'dns' : 'connect';
        if (this.target.secure && state.secureAt === undefined) return 'tls';
        if (marks.sent === undefined) return 'send';
        if (marks.firstByte === undefined) return 'wait';
        return 'receive';
      };
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        marks.end = performance.now();
        if (state) {
          state.socket.off('data', onData);
          state.busy = false;
          state.idleSince = marks.end;
          if (!trace.reused) {
            marks.dnsStart = state.lookupAt !== undefined ? state.createdAt : undefined;
            marks.dnsEnd = state.lookupAt;
            marks.connectStart = state.lookupAt ?? state.createdAt;
            marks.connectEnd = state.connectAt;
            if (this.target.secure) {
              marks.tlsStart = state.connectAt;
              marks.tlsEnd = state.secureAt;
            }
          }
        }
        trace.phases = phasesFromMarks(marks);
        if (statusCode !== undefined) trace.status = statusCode;
        let error: ConnscopeError | undefined;
        if (err !== undefined) {
          error = explainError(err, this.failureContext(state, phaseNow(), bodyBytes));
          const c = classifyError(error, trace.reused);
          trace.error = { ...c, message: error.message };
        }
        resolve({ trace, error, statusCode });
      };
      const timer = setTimeout(() => {
        req.destroy(phaseTimeout(this.failureContext(state, phaseNow()), spec.timeoutMs));
      }, spec.timeoutMs);
      timer.unref();
      req.once('socket', (socket: net.Socket) => {
        state = this.bySocket.get(socket);
        trace.reused = Boolean((req as unknown as { reusedSocket?: boolean }).reusedSocket);
        if (!state) return;
        const now = performance.now();
        if (trace.reused) {
          marks.assigned = now;
          if (state.idleSince !== undefined) {
            trace.idleBeforeMs = now - state.idleSince;
            addIdlePeriod(state.record.idle, trace.idleBeforeMs);
          }
        }
        state.busy = true;
        state.record.requests++;
        trace.connectionId = state.record.id;
        trace.requestIndexOnConnection = state.record.requests;
        socket.on('data', onData);
      });
      req.once('finish', () => (marks.sent = performance.now()));
      req.once('error', (err) => finish(err));
      req.once('response', (res: http.IncomingMessage) => {
        marks.firstByte ??= performance.now();
        statusCode = res.statusCode;
        trace.httpVersion = res.httpVersion;
        const connection = headerValue(res.headers.connection);
        const keepAlive = headerValue(res.headers['keep-alive']);
        trace.responseHeaders = {};
        if (connection !== undefined) trace.responseHeaders.connection = connection;
        if (keepAlive !== undefined) trace.responseHeaders.keepAlive = keepAlive;
        if (state) {
          state.lastResponseClose = connection?.toLowerCase() === 'close';
          const hint = parseKeepAliveHeader(keepAlive);
          state.record.keepAliveHint = { connectionHeader: connection, keepAliveHeader: keepAlive, ...hint };
        }
        res.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
        res.once('end', () => finish());
        res.once('aborted', () => finish(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
        res.once('error', (err) => finish(err));
      });
      if (spec.body !== undefined) req.write(spec.body);
      req.end();
    });
  }

  /** Resolves with the close time once the connection closes (immediately if it already has). */
  whenClosed(connectionId: string): Promise<number> {
    return this.states.get(connectionId)?.closed ?? Promise.resolve(performance.now());
  }

  isOpen(connectionId: string): boolean {
    const s = this.states.get(connectionId);
    return Boolean(s && !s.socket.destroyed);
  }

  /** Closes the pool's idle connections from the client side, so the next request opens a new one. */
  dropIdle(): void {
    for (const s of this.states.values()) {
      if (!s.busy && !s.socket.destroyed) {
        s.closedByClient = true;
        s.socket.destroy();
      }
    }
  }

  close(): void {
    for (const s of this.states.values()) if (!s.socket.destroyed) s.closedByClient = true;
    this.agent.destroy();
  }
}

/**
 * Node's agent shortens or drops keep-alive on its own from the server's `Keep-Alive: timeout` hint; the
 * probe must see what the server does, so it keeps every socket until the server closes it or it drops it.
 */
function keepAliveAsServerAllows(socket: net.Socket): boolean {
  socket.setKeepAlive(true, 1000);
  socket.unref();
  socket.setTimeout(0);
  return true;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}
