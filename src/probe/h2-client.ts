import http2 from 'node:http2';
import tls from 'node:tls';
import type { ConnectionRecord } from '../model/connection.js';
import type { RequestTrace } from '../model/request.js';
import { H2Error, H2StreamClosedError, classifyError, type ConnscopeError } from '../errors.js';
import { explainError, phaseTimeout, type FailedIn } from './failure.js';
import { ProbeRecorder, untracedRequest } from './recorder.js';
import type { Target } from './target.js';
import type { ClientTls, Exchange, RequestSpec } from './http1-client.js';

interface SessionState {
  session: http2.ClientHttp2Session;
  socket: tls.TLSSocket;
  connected: boolean;
  secure: boolean;
  /** Rejects with the explained error when the session cannot be used (handshake failed, no h2 selected). */
  ready: Promise<void>;
}

/**
 * Sequential streams over one HTTP/2 session (a new session after dropIdle), recorded by the tracer's
 * node:http2 source. The client itself only drives: deadlines, explained errors, the cached TLS session.
 */
export class H2Client {
  private readonly recorder = new ProbeRecorder('h2');
  private current: SessionState | undefined;
  private cachedSession: Buffer | undefined;
  /** The SETTINGS the server sent on the latest session (max concurrent streams, ...). */
  private remoteSettings: http2.Settings | undefined;

  constructor(
    private readonly target: Target,
    private readonly tlsOptions: ClientTls,
    private readonly connectTimeoutMs: number,
  ) {}

  private open(): SessionState {
    const socket = tls.connect({
      host: this.target.pinnedAddress ?? this.target.host,
      port: this.target.port,
      servername: this.target.servername,
      ca: this.tlsOptions.ca,
      rejectUnauthorized: this.tlsOptions.rejectUnauthorized,
      minVersion: this.tlsOptions.minVersion,
      maxVersion: this.tlsOptions.maxVersion,
      ALPNProtocols: ['h2'],
      // as the HTTP/1.1 client does, so OCSP stapling is known under --http2 too (tracer: 'OCSPResponse')
      requestOCSP: true,
      ...(this.cachedSession ? { session: this.cachedSession } : {}),
    } as tls.ConnectionOptions);
    const session = http2.connect(this.target.origin, { createConnection: () => socket });
    const state: SessionState = { session, socket, connected: false, secure: false, ready: Promise.resolve() };
    socket.once('connect', () => (state.connected = true));
    socket.on('session', (s: Buffer) => (this.cachedSession = s));
    session.on('remoteSettings', (settings: http2.Settings) => (this.remoteSettings = { ...settings }));
    state.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = phaseTimeout({ host: this.target.host, port: this.target.port, phase: state.connected ? 'tls' : 'connect' }, this.connectTimeoutMs);
        session.destroy(err);
        reject(err);
      }, this.connectTimeoutMs);
      timer.unref();
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        state.secure = true;
        if (socket.alpnProtocol !== 'h2') {
          session.destroy();
          reject(new H2Error(`the server did not select h2 when offered (ALPN: ${socket.alpnProtocol || 'none'})`, { hint: 'it speaks HTTP/1.1 only: drop --http2' }));
        } else resolve();
      });
      const fail = (err: unknown): void => {
        clearTimeout(timer);
        reject(explainError(err, { host: this.target.host, port: this.target.port, phase: state.secure ? 'wait' : state.connected ? 'tls' : 'connect', caGiven: this.tlsOptions.ca !== undefined }));
      };
      socket.once('error', fail);
      session.once('error', fail);
    });
    state.ready.catch(() => undefined);
    this.current = state;
    return state;
  }

  async request(spec: RequestSpec): Promise<Exchange> {
    const startedAt = performance.now();
    const headers: http2.OutgoingHttpHeaders = { ':method': spec.method, ':path': this.target.url.pathname + this.target.url.search, ...lower(spec.headers) };
    // the first stream goes out with the session, as h2 clients do, so the tracer charges it the establishment
    const { value: [state, stream], requestId } = this.recorder.claim(() => {
      const live = this.current && !this.current.session.closed && !this.current.session.destroyed ? this.current : this.open();
      return [live, live.session.request(headers, { endStream: spec.body === undefined })] as const;
    });
    if (spec.body !== undefined) stream.end(spec.body);
    let sent = false;
    let responded = false;
    let bodyBytes = 0;
    const where = (): FailedIn => (!state.secure ? (state.connected ? 'tls' : 'connect') : responded ? 'receive' : sent ? 'wait' : 'send');
    const ended = new Promise<unknown>((resolve) => {
      const settle = (err?: unknown): void => {
        clearTimeout(timer);
        resolve(err);
      };
      const timer = setTimeout(() => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        settle(phaseTimeout({ host: this.target.host, port: this.target.port, address: state.socket.remoteAddress, phase: where() }, spec.timeoutMs));
      }, spec.timeoutMs);
      timer.unref();
      // a session that could not be used explains the stream's failure better than the stream's own error
      state.ready.catch(settle);
      stream.once('finish', () => (sent = true));
      stream.once('response', () => (responded = true));
      stream.on('data', (c: Buffer) => (bodyBytes += c.length));
      stream.once('end', () => settle());
      stream.once('error', (e) => state.ready.then(() => settle(e), settle));
      stream.once('close', () => {
        if (responded) return settle();
        const closed = new H2StreamClosedError(`stream closed with code ${stream.rstCode}`);
        state.ready.then(() => settle(closed), settle);
      });
    });
    const err = await ended;
    const failedIn = where();
    const error: ConnscopeError | undefined = err === undefined
      ? undefined
      : explainError(err, {
        host: this.target.host, port: this.target.port, address: state.socket.remoteAddress, phase: failedIn, bodyBytes,
        caGiven: this.tlsOptions.ca !== undefined, h2MaxConcurrentStreams: this.remoteSettings?.maxConcurrentStreams,
      });
    const traced = await this.recorder.trace(requestId);
    const trace: RequestTrace = traced ? { ...traced } : untracedRequest(this.target, spec.method, startedAt);
    if (error) {
      trace.error = { ...classifyError(error, trace.reused), message: error.message };
    }
    return error ? { trace, error } : { trace };
  }

  /** The server's SETTINGS from the latest session that received them; undefined before any arrived. */
  serverSettings(): http2.Settings | undefined {
    return this.remoteSettings;
  }

  /** Sessions of this client, as the tracer recorded them. */
  connections(): ConnectionRecord[] {
    return this.recorder.connections();
  }

  /** Closes the session so the next request opens a new connection (offering the cached TLS session). */
  dropIdle(): void {
    if (this.current) {
      this.current.session.close();
      this.current = undefined;
    }
  }

  /** Closes the session, waits (briefly) for the tracer to record the close, then stops recording. */
  async close(): Promise<void> {
    this.dropIdle();
    const open = this.recorder.openConnections().map((c) => this.recorder.whenClosed(c.id));
    await Promise.race([Promise.all(open), new Promise((r) => setTimeout(r, 500).unref())]);
    this.recorder.stop();
  }
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (!['host', 'connection', 'keep-alive', 'transfer-encoding'].includes(k.toLowerCase())) out[k.toLowerCase()] = v;
  return out;
}
