import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

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
}

/** What the gallery holds, by name: each builds one hostile server. */
export type HostileFactory = () => Promise<Hostile>;

/** A raw TCP server: `onSocket` gets each socket and writes whatever bytes it likes. */
async function tcp(onSocket: (s: net.Socket) => void): Promise<Hostile> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    connections: () => connections,
    streams: () => 0,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
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
async function h2c(settings: http2.Settings, onStream: (stream: http2.ServerHttp2Stream) => void): Promise<Hostile> {
  const server = http2.createServer({ settings });
  let sessions = 0;
  let streams = 0;
  const open = new Set<http2.ServerHttp2Session>();
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
    url: `http://127.0.0.1:${port}/`,
    connections: () => sessions,
    streams: () => streams,
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

const ok = (stream: http2.ServerHttp2Stream): void => {
  stream.respond({ ':status': 200 });
  stream.end('ok');
};

/** HTTP/2 with SETTINGS_MAX_CONCURRENT_STREAMS 0: no stream may ever be opened. */
export const h2MaxStreamsZero: HostileFactory = () => h2c({ maxConcurrentStreams: 0 }, ok);

/** HTTP/2 that answers every stream with RST_STREAM (INTERNAL_ERROR by default). */
export const h2ResetEveryStream = (code: number = http2.constants.NGHTTP2_INTERNAL_ERROR): Promise<Hostile> =>
  h2c({}, (stream) => stream.close(code));

/**
 * HTTP/2 that answers `perSession` streams of each session, then sends GOAWAY whose last-stream-id
 * is the last one it answered, leaving the streams above it unprocessed (RFC 9113 §6.8).
 */
export const h2Goaway = (perSession = 5): Promise<Hostile> => {
  const answered = new WeakMap<http2.Http2Session, number>();
  return h2c({}, (stream) => {
    const session = stream.session!;
    const n = answered.get(session) ?? 0;
    if (n >= perSession) return; // above the GOAWAY's last-stream-id: never processed
    answered.set(session, n + 1);
    ok(stream);
    if (n + 1 === perSession) session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id);
  });
};

/** Every server of the gallery, by name (the h2 ones are h2c: use them with `--client h2`). */
export const GALLERY = {
  silent,
  slowlorisStatusLine,
  endlessChunkedBody,
  endlessChunkSizeLine,
  endlessHeader,
  contentLengthAndChunked,
  duplicateContentLength,
  tenThousandHeaders,
  garbageStatusLine,
  interimBeforeFinal,
  h2MaxStreamsZero,
  h2ResetEveryStream: () => h2ResetEveryStream(),
  h2Goaway: () => h2Goaway(),
} satisfies Record<string, HostileFactory>;
