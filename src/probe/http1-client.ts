import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import type { ConnectionRecord } from '../model/connection.js';
import type { RequestTrace } from '../model/request.js';
import { ConnectionResetError, classifyError, type ConnscopeError } from '../errors.js';
import { explainError, phaseTimeout, type FailedIn, type FailureContext } from './failure.js';
import { ProbeRecorder, untracedRequest } from './recorder.js';
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

/** One request's outcome: the tracer's trace, plus the explained error when it failed. */
export interface Exchange {
  trace: RequestTrace;
  error?: ConnscopeError;
}

/** How far a socket got in its establishment; only used to say where a failure happened. */
interface SocketProgress {
  socket: net.Socket;
  lookedUp: boolean;
  connected: boolean;
  /** Established: TLS done (https) or TCP connected (http). */
  secure: boolean;
  /** The server ended its side (FIN). */
  peerClosed: boolean;
  /** Responses received on this socket so far. */
  responses: number;
  /** The last response on this socket that must not have a body (204, 304). */
  bodiless?: { status: number; requestIndex: number; contentLength?: string };
}

/** Statuses whose responses never have a body (RFC 9110 §6.4.1); 1xx never reach the 'response' event. */
const BODILESS = new Set([204, 304]);
/** How much of a response that never finished its headers is kept, to name how far the server got. */
const PARTIAL_KEEP = 64;

/**
 * A keep-alive HTTP/1.1 client of one origin (one socket at a time) whose connections and requests are
 * recorded by the tracer. The client itself only drives: deadlines, explained errors, dropping idle sockets,
 * and holding connections until the server closes them.
 */
export class Http1Client {
  readonly agent: http.Agent;
  private readonly recorder = new ProbeRecorder('http1');
  private readonly progress = new WeakMap<net.Socket, SocketProgress>();
  private readonly caGiven: boolean;

  constructor(
    private readonly target: Target,
    tlsOptions: ClientTls,
    private readonly connectTimeoutMs: number,
  ) {
    this.caGiven = tlsOptions.ca !== undefined;
    const onSocket = (s: net.Socket): void => this.watchEstablishment(s);
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

  /** The deadline of one establishment, and the little state needed to say which step it was stuck in. */
  private watchEstablishment(socket: net.Socket): void {
    const p: SocketProgress = { socket, lookedUp: false, connected: false, secure: false, peerClosed: false, responses: 0 };
    this.progress.set(socket, p);
    const timer = setTimeout(() => {
      socket.destroy(phaseTimeout(this.failureContext(socket, this.establishmentStep(p)), this.connectTimeoutMs));
    }, this.connectTimeoutMs);
    timer.unref();
    socket.once('lookup', () => (p.lookedUp = true));
    socket.once('connect', () => (p.connected = true));
    socket.once(this.target.secure ? 'secureConnect' : 'connect', () => {
      p.secure = true;
      clearTimeout(timer);
    });
    socket.once('close', () => clearTimeout(timer));
    // a FIN, unlike a reset, is the server choosing to close: the explanation differs
    socket.once('end', () => (p.peerClosed = true));
  }

  private establishmentStep(p: SocketProgress): FailedIn {
    // flags, not socket.connecting: a destroyed socket is no longer connecting, wherever it was
    if (!p.connected) return !p.lookedUp && this.target.servername ? 'dns' : 'connect';
    return this.target.secure && !p.secure ? 'tls' : 'send';
  }

  private failureContext(socket: net.Socket | undefined, phase: FailedIn, extra: Partial<FailureContext> = {}): FailureContext {
    const p = socket && this.progress.get(socket);
    return {
      host: this.target.host, port: this.target.port, address: socket?.remoteAddress ?? this.target.pinnedAddress, phase,
      caGiven: this.caGiven, peerClosed: p?.peerClosed ?? false, ...extra,
    };
  }

  /** One request through the pool; never rejects: failures come back as `error` with the trace measured so far. */
  async request(spec: RequestSpec): Promise<Exchange> {
    const startedAt = performance.now();
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(spec.body));
    const { value: req, requestId } = this.recorder.claim(() => (this.target.secure ? https : http).request({
      agent: this.agent,
      host: this.target.host,
      port: this.target.port,
      servername: this.target.servername,
      method: spec.method,
      path: this.target.url.pathname + this.target.url.search,
      headers: { host: this.target.url.host, ...headers },
      ...(this.target.lookup ? { lookup: this.target.lookup } : {}),
    }));
    let socket: net.Socket | undefined;
    let bodyBytes = 0;
    let expectedBodyBytes: number | undefined;
    let status: number | undefined;
    // bytes that arrived before the response's headers were complete (a server that stalls mid-headers)
    let early: Buffer | undefined;
    let earlyBytes = 0;
    const onEarly = (chunk: Buffer): void => {
      if (responded) return;
      earlyBytes += chunk.length;
      if ((early?.length ?? 0) < PARTIAL_KEEP) early = Buffer.concat([early ?? Buffer.alloc(0), chunk.subarray(0, PARTIAL_KEEP)]).subarray(0, PARTIAL_KEEP);
    };
    const context = (phase: FailedIn): FailureContext => {
      const p = socket && this.progress.get(socket);
      // set by this request's own response when it was a 204/304, else by an earlier one on the socket
      const bodiless = p?.bodiless ? { ...p.bodiless, sameRequest: status !== undefined && BODILESS.has(status) } : undefined;
      return this.failureContext(socket, phase, {
        bodyBytes,
        expectedBodyBytes,
        ...(earlyBytes > 0 && !responded ? { partial: { bytes: earlyBytes, statusLine: statusLineOf(early!) } } : {}),
        ...(bodiless ? { bodiless } : {}),
      });
    };
    let sent = false;
    let responded = false;
    let timedOutIn: FailedIn | undefined;
    const where = (): FailedIn => {
      const p = socket && this.progress.get(socket);
      const establishing = p ? this.establishmentStep(p) : socket ? 'send' : 'connect';
      if (establishing !== 'send') return establishing;
      return responded ? 'receive' : sent ? 'wait' : 'send';
    };
    const ended = new Promise<unknown>((resolve) => {
      const timer = setTimeout(() => {
        timedOutIn = where();
        req.destroy(phaseTimeout(context(timedOutIn), spec.timeoutMs));
      }, spec.timeoutMs);
      timer.unref();
      let settled = false;
      const settle = (err?: unknown): void => {
        settled = true;
        clearTimeout(timer);
        socket?.removeListener('data', onEarly);
        resolve(err);
      };
      req.once('socket', (s: net.Socket) => {
        socket = s;
        // a socket handed over after the request ended would keep the listener for its whole life
        if (!settled) s.on('data', onEarly);
      });
      req.once('finish', () => (sent = true));
      req.once('error', settle);
      // Node emits 'error' before 'close'; a request closed without either is cut off all the same
      req.once('close', () => {
        if (!responded) settle(new ConnectionResetError('socket hang up'));
      });
      req.once('response', (res: http.IncomingMessage) => {
        responded = true;
        status = res.statusCode;
        const length = Number(res.headers['content-length']);
        if (Number.isSafeInteger(length) && length >= 0) expectedBodyBytes = length;
        const p = socket && this.progress.get(socket);
        if (p) {
          p.responses++;
          if (status !== undefined && BODILESS.has(status)) {
            p.bodiless = { status, requestIndex: p.responses, ...(res.headers['content-length'] !== undefined ? { contentLength: res.headers['content-length'] } : {}) };
          }
        }
        res.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
        res.once('aborted', () => settle(cutOff()));
        res.once('error', settle);
        res.once('end', () => settle());
        res.once('close', () => settle(res.complete ? undefined : ((res as { errored?: unknown }).errored ?? cutOff())));
      });
      if (spec.body !== undefined) req.write(spec.body);
      req.end();
    });
    const err = await ended;
    const failedIn = timedOutIn ?? where();
    const error = err === undefined ? undefined : explainError(err, context(failedIn));
    const traced = await this.recorder.trace(requestId);
    const trace = traced ? { ...traced } : untracedRequest(this.target, spec.method, startedAt);
    if (error) {
      trace.error = { ...classifyError(error, trace.reused), message: error.message };
    }
    return error ? { trace, error } : { trace };
  }

  /** Connections of this client, as the tracer recorded them. */
  connections(): ConnectionRecord[] {
    return this.recorder.connections();
  }

  whenClosed(connectionId: string): Promise<number> {
    return this.recorder.whenClosed(connectionId);
  }

  isOpen(connectionId: string): boolean {
    return this.recorder.isOpen(connectionId);
  }

  /** Closes the pool's idle connections from the client side, so the next request opens a new one. */
  dropIdle(): void {
    for (const list of Object.values(this.agent.freeSockets)) for (const s of list ?? []) s.destroy();
  }

  /** Closes every connection, waits (briefly) for the tracer to record the closes, then stops recording. */
  async close(): Promise<void> {
    this.agent.destroy();
    const open = this.recorder.openConnections().map((c) => this.recorder.whenClosed(c.id));
    await Promise.race([Promise.all(open), new Promise((r) => setTimeout(r, 500).unref())]);
    this.recorder.stop();
  }
}

/** The first line of a partial response, printable and bounded; undefined when it does not look like a status line. */
function statusLineOf(early: Buffer): string | undefined {
  const line = early.toString('latin1').split('\r\n')[0]!;
  // eslint-disable-next-line no-control-regex
  return line.startsWith('HTTP/') ? line.replace(/[\x00-\x1f\x7f-\xff]/g, '.').slice(0, 40) : undefined;
}

function cutOff(): Error {
  return new ConnectionResetError('aborted');
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
