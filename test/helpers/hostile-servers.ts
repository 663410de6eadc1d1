import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { h2EndlessContinuation, h2HpackBomb } from './h2-frame-server.js';
import { rawServer } from './raw-server.js';
import { testChain } from './servers.js';

/**
 * A gallery of misbehaving servers on 127.0.0.1 port 0, one function per misbehaviour. Each
 * returns the same small handle, so a test (or a property test over the whole gallery) can run a
 * client against any of them and read the server's own counts as ground truth.
 */
export interface Hostile {
  /** Base URL ('http://127.0.0.1:PORT/'). */
  url: string;
  /** TCP connections the server accepted. */
  connections(): number;
  /** HTTP/2 streams the server received (0 for the HTTP/1 servers). */
  streams(): number;
  close(): Promise<void>;
  /** The url is https:// and this PEM is the CA that signed the server's certificate (give it as --ca). */
  ca?: string;
  /** The server speaks only HTTP/2 (bench --client h2; probe --http2 when TLS). */
  h2?: true;
}

/** What the gallery holds, by name: each builds one hostile server. */
export type HostileFactory = () => Promise<Hostile>;

/** A raw TCP server: `onSocket` gets each socket and writes whatever bytes it likes. */
async function tcp(onSocket: (s: net.Socket) => void, scheme = 'http'): Promise<Hostile> {
  const raw = await rawServer(onSocket);
  return {
    url: `${scheme}://127.0.0.1:${raw.port}/`,
    connections: () => raw.connections,
    streams: () => 0,
    close: () => raw.close(),
  };
}

/** Calls `write` every `ms` until the socket closes (a slow, never-ending sender). */
function drip(s: net.Socket, ms: number, write: () => void): void {
  const t = setInterval(() => (s.destroyed ? clearInterval(t) : write()), ms);
  s.on('close', () => clearInterval(t));
}

/** Writes `next()` as fast as the socket takes it, forever (respects backpressure, so bounded here). */
function flood(s: net.Socket, next: () => Buffer): void {
  const pump = (): void => {
    while (!s.destroyed && s.write(next()));
  };
  s.on('drain', pump);
  pump();
}

/** After each request head, run `answer` (the server waits for a request before misbehaving). */
function onRequest(answer: (s: net.Socket) => void): (s: net.Socket) => void {
  return (s) => {
    let seen = '';
    s.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      while (seen.includes('\r\n\r\n')) {
        seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
        answer(s);
      }
    });
  };
}

/** Accepts, reads, never answers. */
export const silent: HostileFactory = () => tcp((s) => s.resume());

/** Sends the status line and then header bytes one at a time, every 100 ms, forever. */
export const slowlorisStatusLine: HostileFactory = () =>
  tcp(
    onRequest((s) => {
      const text = 'HTTP/1.1 200 OK\r\n';
      let i = 0;
      drip(s, 100, () => s.write(i < text.length ? text[i++]! : 'x'));
    }),
  );

/** A chunked 200 whose chunks never stop (1 KiB every 5 ms). */
export const endlessChunkedBody: HostileFactory = () =>
  tcp(
    onRequest((s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = `400\r\n${'a'.repeat(1024)}\r\n`;
      drip(s, 5, () => s.write(chunk));
    }),
  );

/** A chunked 200 whose first chunk-size line never ends (hex digits as fast as the client reads). */
export const endlessChunkSizeLine: HostileFactory = () =>
  tcp(
    onRequest((s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const digits = Buffer.alloc(64 * 1024, '1');
      flood(s, () => digits);
    }),
  );

/** A response head whose one header line never ends. */
export const endlessHeader: HostileFactory = () =>
  tcp(
    onRequest((s) => {
      s.write('HTTP/1.1 200 OK\r\nX-Endless: ');
      const bytes = Buffer.alloc(64 * 1024, 'a');
      flood(s, () => bytes);
    }),
  );

/** A chunked 200 whose body never ends, sent as fast as the client reads it (64 KiB chunks). */
export const endlessChunkedFlood: HostileFactory = () =>
  tcp(
    onRequest((s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = Buffer.from(`10000\r\n${'b'.repeat(0x10000)}\r\n`);
      flood(s, () => chunk);
    }),
  );

/** HTTP/2: a 200 whose DATA never ends, as fast as flow control lets it through. */
export const h2EndlessBody: HostileFactory = () =>
  h2c({}, (stream) => {
    stream.respond({ ':status': 200 });
    const data = Buffer.alloc(64 * 1024, 'c');
    const pump = (): void => {
      while (!stream.destroyed && stream.write(data));
    };
    stream.on('drain', pump);
    pump();
  });

/** Content-Length and Transfer-Encoding together (a request-smuggling shape, RFC 9112 §6.3). */
export const contentLengthAndChunked: HostileFactory = () =>
  tcp(onRequest((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')));

/** Two different Content-Length values. */
export const duplicateContentLength: HostileFactory = () =>
  tcp(onRequest((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!')));

/** A 200 with 10,000 header fields (about 110 KB of head). */
export const tenThousandHeaders: HostileFactory = () => {
  let head = 'HTTP/1.1 200 OK\r\n';
  for (let i = 0; i < 10_000; i++) head += `X-H${i}: v\r\n`;
  head += 'Content-Length: 2\r\n\r\nok';
  return tcp(onRequest((s) => s.write(head)));
};

/** Answers every request with bytes that are not an HTTP status line. */
export const garbageStatusLine: HostileFactory = () => tcp(onRequest((s) => s.write('HELLO THERE\r\n\r\n')));

/** 100 Continue and 103 Early Hints before the final 200 (legal HTTP/1.1, RFC 9110 §15.2). */
export const interimBeforeFinal: HostileFactory = () =>
  tcp(
    onRequest((s) =>
      s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    ),
  );

/** An h2c server, counting its own sessions and streams. */
async function h2c(settings: http2.Settings, onStream: (stream: http2.ServerHttp2Stream) => void, secure = false): Promise<Hostile> {
  const chain = secure ? await testChain() : undefined;
  const server = chain ? http2.createSecureServer({ settings, key: chain.keyPem, cert: chain.chainPem }) : http2.createServer({ settings });
  let sessions = 0;
  let streams = 0;
  const open = new Set<http2.ServerHttp2Session>();
  // node:http2 can close a session whose client reset mid-stream and leave its TCP socket paused and
  // open: not reading, so it holds no event-loop reference, yet server.close() waits for it for ever.
  // Close destroys every TCP socket the server accepted, not only the sessions' own.
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('session', (session) => {
    sessions++;
    open.add(session);
    session.on('close', () => open.delete(session));
    session.on('error', () => undefined);
  });
  server.on('stream', (stream) => {
    streams++;
    stream.on('error', () => undefined);
    onStream(stream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${chain ? 'https' : 'http'}://127.0.0.1:${port}/`,
    ...(chain ? { ca: chain.caPem } : {}),
    h2: true,
    connections: () => sessions,
    streams: () => streams,
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const ok = (stream: http2.ServerHttp2Stream): void => {
  stream.respond({ ':status': 200 });
  stream.end('ok');
};

/** HTTP/2 with SETTINGS_MAX_CONCURRENT_STREAMS 0: no stream may ever be opened. */
export const h2MaxStreamsZero = (secure = false): Promise<Hostile> => h2c({ maxConcurrentStreams: 0 }, ok, secure);

/** HTTP/2 that answers every stream with RST_STREAM (INTERNAL_ERROR by default). */
export const h2ResetEveryStream = (code: number = http2.constants.NGHTTP2_INTERNAL_ERROR, secure = false): Promise<Hostile> =>
  h2c({}, (stream) => stream.close(code), secure);

/**
 * HTTP/2 that answers `perSession` streams of each session, then sends GOAWAY whose last-stream-id
 * is the last one it answered, leaving the streams above it unprocessed (RFC 9113 §6.8).
 */
export const h2Goaway = (perSession = 5, secure = false): Promise<Hostile> => {
  const answered = new WeakMap<http2.Http2Session, number>();
  return h2c({}, (stream) => {
    const session = stream.session!;
    const n = answered.get(session) ?? 0;
    if (n >= perSession) return; // above the GOAWAY's last-stream-id: never processed
    answered.set(session, n + 1);
    ok(stream);
    if (n + 1 === perSession) session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id);
  }, secure);
};

/** Resets the connection (RST) as soon as a request arrives. */
export const resetOnRequest: HostileFactory = () => tcp(onRequest((s) => s.resetAndDestroy()));

/** Closes the connection (FIN) as soon as a request arrives, without a byte of response. */
export const closeOnRequest: HostileFactory = () => tcp(onRequest((s) => s.end()));

/** Sends a head announcing 100 body bytes, 2 of them, then FIN. */
export const finAfterHeaders: HostileFactory = () =>
  tcp(onRequest((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok')));

/** A 204 with a body: the stray bytes are read as the next response on the connection. */
export const bodyAfter204: HostileFactory = () =>
  tcp(onRequest((s) => s.write('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello')));

/** 100 Continue, every 5 ms, forever: an interim response that never turns into a final one. */
export const endlessInterim: HostileFactory = () =>
  tcp(onRequest((s) => drip(s, 5, () => s.write('HTTP/1.1 100 Continue\r\n\r\n'))));

/** Redirects every request to itself (a loop for clients that follow redirects, a 302 for those that do not). */
export const redirectLoop: HostileFactory = () =>
  tcp(onRequest((s) => s.write('HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n')));

/** An https:// port that reads the ClientHello and never answers it. */
export const tlsSilent: HostileFactory = () => tcp((s) => s.resume(), 'https');

/** An https:// port that answers the ClientHello with bytes that are not TLS. */
export const tlsGarbage: HostileFactory = () => tcp((s) => s.once('data', () => s.write('HTTP/1.1 400 Bad Request\r\n\r\nnot tls at all')), 'https');

/**
 * A real TLS server behind a relay that passes the ClientHello and only the first 60 bytes of the
 * server's reply: the handshake stalls after it started (ServerHello cut short).
 */
export const tlsStallMidHandshake: HostileFactory = async () => {
  const chain = await testChain();
  const real = tls.createServer({ key: chain.keyPem, cert: chain.chainPem }, (t) => t.on('error', () => undefined));
  await new Promise<void>((r) => real.listen(0, '127.0.0.1', r));
  const upstream = new Set<net.Socket>();
  const h = await tcp((s) => {
    const u = net.connect((real.address() as AddressInfo).port, '127.0.0.1');
    upstream.add(u);
    u.on('error', () => undefined).on('close', () => upstream.delete(u));
    let passed = 0;
    u.on('data', (d: Buffer) => {
      if (passed < 60) s.write(d.subarray(0, 60 - passed));
      passed += d.length;
    });
    s.on('data', (d: Buffer) => u.write(d)).on('close', () => u.destroy());
  }, 'https');
  return {
    ...h,
    ca: chain.caPem,
    close: async () => {
      for (const u of upstream) u.destroy();
      await h.close();
      await new Promise<void>((r) => real.close(() => r()));
    },
  };
};

/** A real HTTPS server given an http:// URL: the client speaks plain HTTP to a TLS port. */
export const plainToTlsPort: HostileFactory = async () => {
  const chain = await testChain();
  const server = tls.createServer({ key: chain.keyPem, cert: chain.chainPem }, (t) => t.on('error', () => undefined));
  const h = await tcp((s) => server.emit('connection', s));
  return { ...h, close: async () => void (await h.close(), server.close()) };
};

/** An h2c port that answers the connection preface with bytes that are not HTTP/2 frames. */
export const h2Garbage: HostileFactory = async () => ({
  ...(await tcp((s) => s.once('data', () => s.write(Buffer.alloc(64, 0xff))))),
  h2: true,
});

/** Every server of the gallery, by name (`h2` ones: `--client h2`; `ca` ones are https://, give the CA as --ca). */
export const GALLERY = {
  silent,
  slowlorisStatusLine,
  endlessChunkedBody,
  endlessChunkSizeLine,
  endlessChunkedFlood,
  endlessHeader,
  contentLengthAndChunked,
  duplicateContentLength,
  tenThousandHeaders,
  garbageStatusLine,
  interimBeforeFinal,
  resetOnRequest,
  closeOnRequest,
  finAfterHeaders,
  bodyAfter204,
  endlessInterim,
  redirectLoop,
  tlsSilent,
  tlsGarbage,
  tlsStallMidHandshake,
  plainToTlsPort,
  h2MaxStreamsZero: () => h2MaxStreamsZero(),
  h2ResetEveryStream: () => h2ResetEveryStream(),
  h2Goaway: () => h2Goaway(),
  h2Garbage,
  h2EndlessBody,
  h2sMaxStreamsZero: () => h2MaxStreamsZero(true),
  h2sResetEveryStream: () => h2ResetEveryStream(undefined, true),
  h2sGoaway: () => h2Goaway(5, true),
  h2EndlessContinuation,
  h2HpackBomb,
} satisfies Record<string, HostileFactory>;
