import http2 from 'node:http2';
import tls from 'node:tls';
import { newIdleStats, type ConnectionRecord } from '../model/connection.js';
import { phasesFromMarks, type RequestMarks } from '../model/phases.js';
import type { RequestTrace } from '../model/request.js';
import { H2Error, classifyError, type ConnscopeError } from '../errors.js';
import { explainError, phaseTimeout, type FailedIn } from './failure.js';
import { tlsInfoOf } from './tls-info.js';
import type { Target } from './target.js';
import type { ClientTls, Exchange, RequestSpec } from './http1-client.js';

interface SessionState {
  session: http2.ClientHttp2Session;
  socket: tls.TLSSocket;
  record: ConnectionRecord;
  createdAt: number;
  lookupAt?: number;
  connectAt?: number;
  secureAt?: number;
  ready: Promise<void>;
  idleSince?: number;
  closedByClient: boolean;
}

/** Sequential streams over one HTTP/2 session, recorded like Http1Client records HTTP/1.1 requests. */
export class H2Client {
  readonly connections = new Map<string, ConnectionRecord>();
  private current: SessionState | undefined;
  private cachedSession: Buffer | undefined;
  private nextConn = 1;
  private nextReq = 1;

  constructor(
    private readonly target: Target,
    private readonly tlsOptions: ClientTls,
    private readonly connectTimeoutMs: number,
  ) {}

  private open(): SessionState {
    const createdAt = performance.now();
    const id = `c${this.nextConn++}`;
    const record: ConnectionRecord = {
      id, origin: this.target.origin, source: 'probe', poolId: 'probe', protocol: 'h2', openedAt: createdAt,
      openedAtEpoch: Date.now(), establishment: { total: 0 }, requests: 0, idle: newIdleStats(),
    };
    let ocsp: boolean | undefined;
    const socket = tls.connect({
      host: this.target.pinnedAddress ?? this.target.host,
      port: this.target.port,
      servername: this.target.servername,
      ca: this.tlsOptions.ca,
      rejectUnauthorized: this.tlsOptions.rejectUnauthorized,
      minVersion: this.tlsOptions.minVersion,
      maxVersion: this.tlsOptions.maxVersion,
      ALPNProtocols: ['h2'],
      // not in the typings, but tls.connect honours it (the OCSPResponse event)
      requestOCSP: true,
      ...(this.cachedSession ? { session: this.cachedSession } : {}),
    } as tls.ConnectionOptions);
    const session = http2.connect(this.target.origin, { createConnection: () => socket });
    const state: SessionState = { session, socket, record, createdAt, closedByClient: false, ready: Promise.resolve() };
    socket.once('lookup', () => (state.lookupAt = performance.now()));
    socket.once('connect', () => {
      state.connectAt = performance.now();
      record.remoteAddress = socket.remoteAddress;
      record.remotePort = socket.remotePort;
      record.localAddress = socket.localAddress;
      record.localPort = socket.localPort;
    });
    socket.on('OCSPResponse', (r: Buffer | null) => (ocsp = Boolean(r && r.length > 0)));
    socket.on('session', (s: Buffer) => (this.cachedSession = s));
    state.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const phase: FailedIn = state.connectAt === undefined ? 'connect' : 'tls';
        const err = phaseTimeout({ host: this.target.host, port: this.target.port, phase }, this.connectTimeoutMs);
        session.destroy(err);
        reject(err);
      }, this.connectTimeoutMs);
      timer.unref();
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        state.secureAt = performance.now();
        record.tls = tlsInfoOf(socket, ocsp ?? false);
        const e = record.establishment;
        if (state.lookupAt !== undefined) e.dns = state.lookupAt - createdAt;
        e.connect = (state.connectAt ?? createdAt) - (state.lookupAt ?? createdAt);
        e.tls = state.secureAt - (state.connectAt ?? createdAt);
        e.total = state.secureAt - createdAt;
        if (socket.alpnProtocol !== 'h2') {
          const err = new H2Error(`the server did not select h2 when offered (ALPN: ${socket.alpnProtocol || 'none'})`, { hint: 'it speaks HTTP/1.1 only: drop --http2' });
          session.destroy();
          reject(err);
        } else resolve();
      });
      const fail = (err: unknown): void => {
        clearTimeout(timer);
        reject(explainError(err, { host: this.target.host, port: this.target.port, phase: state.secureAt ? 'wait' : state.connectAt ? 'tls' : 'connect' }));
      };
      socket.once('error', fail);
      session.once('error', fail);
    });
    state.ready.catch(() => undefined);
    session.once('close', () => {
      record.closedAt = performance.now();
      record.close = state.closedByClient ? { closedBy: 'client', reason: 'client-closed' } : { closedBy: 'server', reason: 'server-closed' };
    });
    session.once('goaway', () => {
      if (!state.closedByClient) record.close = { closedBy: 'server', reason: 'goaway' };
    });
    this.connections.set(id, record);
    this.current = state;
    return state;
  }

  request(spec: RequestSpec): Promise<Exchange> {
    const marks: RequestMarks = { start: performance.now() };
    const trace: RequestTrace = {
      id: `r${this.nextReq++}`, origin: this.target.origin, method: spec.method, path: this.target.url.pathname, source: 'probe',
      poolId: 'probe', startedAt: marks.start, startedAtEpoch: Date.now(), phases: { total: 0 }, reused: false,
    };
    const reuse = this.current && !this.current.session.closed && !this.current.session.destroyed ? this.current : undefined;
    const state = reuse ?? this.open();
    trace.reused = Boolean(reuse);
    trace.connectionId = state.record.id;
    if (reuse) {
      marks.assigned = marks.start;
      if (state.idleSince !== undefined) trace.idleBeforeMs = marks.start - state.idleSince;
    }
    return new Promise<Exchange>((resolve) => {
      let settled = false;
      let statusCode: number | undefined;
      let bodyBytes = 0;
      let stream: http2.ClientHttp2Stream | undefined;
      const phaseNow = (): FailedIn => (state.secureAt === undefined ? (state.connectAt === undefined ? 'connect' : 'tls') : marks.sent === undefined ? 'send' : marks.firstByte === undefined ? 'wait' : 'receive');
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        marks.end = performance.now();
        state.idleSince = marks.end;
        if (!trace.reused) {
          marks.dnsStart = state.lookupAt !== undefined ? state.createdAt : undefined;
          marks.dnsEnd = state.lookupAt;
          marks.connectStart = state.lookupAt ?? state.createdAt;
          marks.connectEnd = state.connectAt;
          marks.tlsStart = state.connectAt;
          marks.tlsEnd = state.secureAt;
        }
        trace.phases = phasesFromMarks(marks);
        if (statusCode !== undefined) trace.status = statusCode;
        let error: ConnscopeError | undefined;
        if (err !== undefined) {
          error = explainError(err, { host: this.target.host, port: this.target.port, address: state.record.remoteAddress, phase: phaseNow(), bodyBytes });
          trace.error = { ...classifyError(error, trace.reused), message: error.message };
        }
        resolve({ trace, error, statusCode });
      };
      const timer = setTimeout(() => {
        const err = phaseTimeout({ host: this.target.host, port: this.target.port, address: state.record.remoteAddress, phase: phaseNow() }, spec.timeoutMs);
        stream?.close(http2.constants.NGHTTP2_CANCEL);
        finish(err);
      }, spec.timeoutMs);
      timer.unref();
      state.ready.then(() => {
        if (settled) return;
        state.record.requests++;
        trace.requestIndexOnConnection = state.record.requests;
        const headers: http2.OutgoingHttpHeaders = { ':method': spec.method, ':path': this.target.url.pathname + this.target.url.search, ...lower(spec.headers) };
        stream = state.session.request(headers, { endStream: spec.body === undefined });
        if (spec.body !== undefined) stream.end(spec.body);
        stream.once('ready', () => (marks.sent ??= performance.now()));
        stream.once('response', (h) => {
          marks.sent ??= performance.now();
          marks.firstByte = performance.now();
          statusCode = Number(h[':status']);
          trace.httpVersion = '2.0';
        });
        stream.on('data', (c: Buffer) => (bodyBytes += c.length));
        stream.once('end', () => finish());
        stream.once('error', (e) => finish(e));
        stream.once('close', () => {
          if (!settled && marks.firstByte === undefined) finish(Object.assign(new Error(`stream closed with code ${stream?.rstCode}`), { code: 'ERR_HTTP2_STREAM_ERROR' }));
          else finish();
        });
      }, (err) => finish(err));
    });
  }

  /** Closes the session so the next request opens a new connection (offering the cached TLS session). */
  dropIdle(): void {
    if (this.current) {
      this.current.closedByClient = true;
      this.current.session.close();
      this.current = undefined;
    }
  }

  close(): void {
    this.dropIdle();
  }
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (!['host', 'connection', 'keep-alive', 'transfer-encoding'].includes(k.toLowerCase())) out[k.toLowerCase()] = v;
  return out;
}
