import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import type { CertChain } from './certs.js';

/** A lab server listening on 127.0.0.1 plus its own counts: the ground truth for reuse. */
export interface LabServer<S extends net.Server = net.Server> {
  server: S;
  port: number;
  origin: string;
  /** TCP (or TLS) connections the server accepted. */
  readonly connections: number;
  /** Requests (or h2 streams) the server answered. */
  readonly requests: number;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  keepAliveTimeout?: number;
  headersTimeout?: number;
  /**
   * Send `Keep-Alive: timeout=N` (Node's default). Off reproduces servers that do not send the hint
   * (Go, nginx by default), so clients fall back to their own idle timeout.
   */
  hint?: boolean;
  /** Answer with `Connection: close`. */
  closeEachResponse?: boolean;
}

export interface Handler {
  (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void;
}

/** Answers `ok` (or `bodyBytes` bytes) after `delayMs`. */
export function okHandler(options: { delayMs?: number; bodyBytes?: number } = {}): Handler {
  const body = options.bodyBytes ? Buffer.alloc(options.bodyBytes, 0x61) : Buffer.from('ok');
  return (_req, res) => {
    const answer = (): void => {
      if (res.destroyed) return;
      (res as http.ServerResponse).setHeader('content-length', body.length);
      res.end(body);
    };
    if (options.delayMs) setTimeout(answer, options.delayMs);
    else answer();
  };
}

/** Counts accepted connections and answered requests, and destroys every socket on close. */
export async function track<S extends net.Server>(server: S, scheme: string, connectionEvent: string): Promise<LabServer<S>> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  server.on(connectionEvent, (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', () => requests++);
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    origin: `${scheme}://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function wrap(handler: Handler, options: HttpServerOptions): http.RequestListener {
  return (req, res) => {
    if (options.closeEachResponse) res.setHeader('connection', 'close');
    // An explicit Connection header stops Node from adding its own Keep-Alive hint.
    else if (options.hint === false) res.setHeader('connection', 'keep-alive');
    handler(req, res);
  };
}

function applyTimeouts(server: http.Server, options: HttpServerOptions): void {
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
  if (options.headersTimeout !== undefined) server.headersTimeout = options.headersTimeout;
}

export function startHttpServer(handler: Handler, options: HttpServerOptions = {}): Promise<LabServer<http.Server>> {
  const server = http.createServer(wrap(handler, options));
  applyTimeouts(server, options);
  return track(server, 'http', 'connection');
}

export function startHttpsServer(
  handler: Handler,
  chain: CertChain,
  options: HttpServerOptions & { tls?: https.ServerOptions } = {},
): Promise<LabServer<https.Server>> {
  const server = https.createServer({ key: chain.keyPem, cert: chain.chainPem, ...options.tls }, wrap(handler, options));
  applyTimeouts(server, options);
  return track(server, 'https', 'secureConnection');
}

export interface H2ServerOptions {
  maxConcurrentStreams?: number;
  allowHTTP1?: boolean;
  /** Send GOAWAY once a session has served this many streams. */
  goawayAfterStreams?: number;
}

export async function startH2Server(handler: Handler, chain: CertChain, options: H2ServerOptions = {}): Promise<LabServer<http2.Http2SecureServer>> {
  const server = http2.createSecureServer({
    key: chain.keyPem,
    cert: chain.chainPem,
    allowHTTP1: options.allowHTTP1 ?? false,
    settings: options.maxConcurrentStreams ? { maxConcurrentStreams: options.maxConcurrentStreams } : {},
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
    let streams = 0;
    session.on('stream', (stream) => {
      streams++;
      if (options.goawayAfterStreams && streams === options.goawayAfterStreams) {
        // GOAWAY with this stream as the last one served, like a server recycling sessions
        stream.on('close', () => {
          if (!session.destroyed && !session.closed) session.close();
        });
      }
    });
  });
  server.on('request', (req, res) => handler(req, res));
  const lab = await track(server, 'https', 'secureConnection');
  const close = lab.close;
  return Object.assign(lab, {
    close: async () => {
      for (const s of sessions) s.destroy();
      await close();
    },
  });
}
