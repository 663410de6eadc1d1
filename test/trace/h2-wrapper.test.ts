import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import tls, { type TLSSocket } from 'node:tls';
import got from 'got';
import type { CertChain } from '../../src/lab/certs.js';
import type { ConnectionRecord } from '../../src/model/connection.js';
import { computeStats } from '../../src/model/stats.js';
import type { RequestTrace } from '../../src/model/request.js';
import { testChain } from '../helpers/servers.js';
import { collect, phasesConsistent, sleep, until } from './collect.js';

/** What the server saw, by the client's port, on the tracer's clock (same process, performance.now()). */
interface H2Served {
  port: number;
  /** TCP accepts: client port → when. */
  accepted: Map<number, number>;
  /** Completed TLS handshakes ('secureConnection'). */
  handshakes: { port: number; resumed: boolean }[];
  sessions: number;
  /** Sessions not closed yet. */
  open(): number;
  close(): Promise<void>;
}

/** A deterministic body per path, large enough to span several DATA frames and a window update. */
function bodyFor(path: string): string {
  return `${path}:`.repeat(Math.ceil(200_000 / (path.length + 1))).slice(0, 200_000);
}

async function h2Server(chain: CertChain): Promise<H2Served> {
  const live = new Set<http2.ServerHttp2Session>();
  const served: H2Served = { port: 0, accepted: new Map(), handshakes: [], sessions: 0, open: () => live.size, close: async () => {} };
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem }, (req, res) => {
    if (req.url === '/bye') {
      // Answers, then ends its session (GOAWAY): the client's next request needs a new one.
      const session = req.stream.session;
      res.end('bye');
      setTimeout(() => session?.close(), 20);
      return;
    }
    res.end(bodyFor(req.url));
  });
  server.on('connection', (s: Socket) => served.accepted.set(s.remotePort!, performance.now()));
  server.on('secureConnection', (s: TLSSocket) => served.handshakes.push({ port: s.remotePort!, resumed: s.isSessionReused() }));
  server.on('session', (s: http2.ServerHttp2Session) => {
    served.sessions++;
    live.add(s);
    s.on('close', () => live.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  served.port = (server.address() as AddressInfo).port;
  served.close = () =>
    new Promise<void>((resolve) => {
      for (const s of live) s.destroy();
      server.close(() => resolve());
    });
  return served;
}

interface GotRun {
  results: { body: string; httpVersion: string; statusCode: number }[];
  expected: string[];
}

/**
 * got with `http2: true` (http2-wrapper) through the three ways it makes a session:
 * 1. a new origin: it resolves ALPN on its own TLS socket, lets the handshake finish, then hands
 *    the established socket to http2.connect({ createConnection });
 * 2. the same origin once the server closed that session: ALPN is known, so its agent calls
 *    tls.connect and creates the session while the socket is still connecting;
 * 3. an IP-literal origin: another ALPN resolution, with no lookup.
 */
async function gotSequence(port: number, chain: CertChain, sessionClosed: () => Promise<void>): Promise<GotRun> {
  const options = { http2: true, https: { certificateAuthority: chain.caPem }, retry: { limit: 0 }, timeout: { request: 10_000 } } as const;
  const results: GotRun['results'] = [];
  const keep = (r: { body: string; httpVersion: string; statusCode: number }): void => {
    results.push({ body: r.body, httpVersion: r.httpVersion, statusCode: r.statusCode });
  };
  keep(await got(`https://localhost:${port}/bye`, options));
  await sessionClosed();
  keep(await got(`https://localhost:${port}/two`, options));
  keep(await got(`https://127.0.0.1:${port}/three`, options));
  return { results, expected: ['bye', bodyFor('/two'), bodyFor('/three')] };
}

const near = (a: number | undefined, b: number | undefined): boolean => a !== undefined && b !== undefined && Math.abs(a - b) < 1e-6;

/** The record's setup spans the TCP accept the server saw for it, and its first stream shows that setup. */
function assertEstablishment(c: ConnectionRecord, first: RequestTrace | undefined, served: H2Served): void {
  const e = c.establishment;
  const what = `${c.origin} ${JSON.stringify(e)}`;
  assert.ok(e.connect !== undefined && e.connect > 0 && e.tls !== undefined && e.tls > 0, `connect and tls measured: ${what}`);
  assert.ok(e.total >= e.connect + e.tls + (e.dns ?? 0) - 1e-6, `total covers the phases: ${what}`);
  const lookup = new URL(c.origin).hostname === 'localhost';
  assert.equal(e.dns !== undefined, lookup, `a lookup only for a host name: ${what}`);
  const acceptedAt = served.accepted.get(c.localPort!);
  assert.ok(acceptedAt !== undefined, `the server accepted this connection (client port ${c.localPort})`);
  assert.ok(c.openedAt < acceptedAt && acceptedAt < c.openedAt + e.total, `setup [${c.openedAt}, ${c.openedAt + e.total}] spans the server's accept at ${acceptedAt}`);
  assert.ok(first, `a first stream on ${c.id}`);
  assert.equal(first.reused, false);
  assert.ok(near(first.phases.dns, e.dns) || (first.phases.dns === undefined && e.dns === undefined), `stream dns ${first.phases.dns} = record ${e.dns}`);
  assert.ok(near(first.phases.connect, e.connect), `stream connect ${first.phases.connect} = record ${e.connect}`);
  assert.ok(near(first.phases.tls, e.tls), `stream tls ${first.phases.tls} = record ${e.tls}`);
  assert.ok(first.startedAt <= c.openedAt + 1e-6, 'the stream waited for its session from the socket\'s creation');
  assert.ok(phasesConsistent(first), JSON.stringify(first.phases));
}

function assertHandshakesCounted(connections: ConnectionRecord[], requests: RequestTrace[], served: H2Served): void {
  const { handshakes } = computeStats(connections, requests);
  const resumed = served.handshakes.filter((h) => h.resumed).length;
  assert.deepEqual(handshakes, { full: served.handshakes.length - resumed, resumed }, 'handshakes as the server counted them');
}

describe('tracer: http2 sessions made by other libraries (got http2: true → http2-wrapper)', { timeout: 60_000 }, () => {
  let chain: CertChain;
  before(async () => {
    chain = await testChain();
  });

  test('each session takes dns/connect/tls and TLS facts from its own socket; handshakes as the server saw them', async () => {
    const served = await h2Server(chain);
    const t = collect();
    try {
      const run = await gotSequence(served.port, chain, () => until(() => t.closes.length === 1, 5000, 'the server to end the first session'));
      assert.deepEqual(run.results.map((r) => r.body), run.expected, 'bodies intact');
      assert.ok(run.results.every((r) => r.statusCode === 200 && r.httpVersion === '2.0'));
      await until(() => t.requests.length === 3 && t.connections.length === 3, 5000, 'three streams on three sessions');
      assert.equal(served.sessions, 3, 'server saw three sessions');
      assert.equal(served.handshakes.length, 3, 'server saw three handshakes');
      assert.deepEqual(t.diagnostics, []);
      for (const c of t.connections) {
        assert.equal(c.source, 'http2');
        assert.equal(c.protocol, 'h2');
        assert.match(c.tls?.version ?? '', /^TLSv1\.[23]$/, `TLS facts on ${c.origin}: ${JSON.stringify(c.tls)}`);
        assert.equal(c.tls?.alpn, 'h2');
        assert.ok(served.handshakes.some((h) => h.port === c.localPort), 'a handshake the server completed');
        const first = t.requests.find((r) => r.connectionId === c.id && r.requestIndexOnConnection === 1);
        assertEstablishment(c, first, served);
      }
      assertHandshakesCounted(t.connections, t.requests, served);
    } finally {
      t.stop();
      await served.close();
    }
  });

  test('the tracer does not change what got gets: same bodies, same sessions and handshakes at the server', async () => {
    const plain = await h2Server(chain);
    const traced = await h2Server(chain);
    try {
      // Untraced, the server's own count tells when its GOAWAY has closed the first session.
      const untracedRun = await gotSequence(plain.port, chain, () => until(() => plain.sessions === 1 && plain.open() === 0, 5000, 'first session closed'));
      const t = collect();
      let tracedRun: GotRun;
      try {
        tracedRun = await gotSequence(traced.port, chain, () => until(() => traced.sessions === 1 && traced.open() === 0 && t.closes.length === 1, 5000, 'first session closed'));
      } finally {
        t.stop();
      }
      assert.deepEqual(tracedRun.results, untracedRun.results);
      assert.deepEqual(tracedRun.results.map((r) => r.body), tracedRun.expected);
      assert.equal(traced.sessions, plain.sessions);
      assert.equal(traced.handshakes.length, plain.handshakes.length);
    } finally {
      await plain.close();
      await traced.close();
    }
  });

  test('plain http2.connect is unchanged: its socket made inside connect, the first stream pays the setup', async () => {
    const served = await h2Server(chain);
    const originalTlsConnect = tls.connect;
    const t = collect();
    const session = http2.connect(`https://localhost:${served.port}`, { ca: chain.caPem });
    session.on('error', () => {});
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/plain' });
        let b = '';
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => (b += d));
        stream.on('end', () => resolve(b));
        stream.on('error', reject);
      });
      assert.equal(body, bodyFor('/plain'));
      await until(() => t.requests.length === 1 && t.connections.length === 1, 5000, 'one stream');
      const c = t.connections[0]!;
      assert.equal(c.tls?.alpn, 'h2');
      assertEstablishment(c, t.requests[0], served);
      assertHandshakesCounted(t.connections, t.requests, served);
    } finally {
      session.destroy();
      t.stop();
      await served.close();
    }
    assert.equal(tls.connect, originalTlsConnect, 'tls.connect is the original again after stop()');
  });

  test('a first stream opened long after its session was up pays no setup; a supplied socket made before the tracer gets none made up', async () => {
    const served = await h2Server(chain);
    // Made and secured before the tracer started: its setup was never seen.
    const early = tls.connect({ host: '127.0.0.1', port: served.port, servername: 'localhost', ca: chain.caPem, ALPNProtocols: ['h2'] });
    await once(early, 'secureConnect');
    const t = collect();
    const preconnected = http2.connect(`https://localhost:${served.port}`, { ca: chain.caPem });
    const supplied = http2.connect(`https://localhost:${served.port}`, { createConnection: () => early });
    preconnected.on('error', () => {});
    supplied.on('error', () => {});
    const get = (session: http2.ClientHttp2Session, path: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ':path': path });
        let b = '';
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => (b += d));
        stream.on('end', () => resolve(b));
        stream.on('error', reject);
      });
    try {
      await once(preconnected, 'remoteSettings');
      await sleep(50);
      assert.equal(await get(preconnected, '/later'), bodyFor('/later'));
      assert.equal(await get(supplied, '/early'), bodyFor('/early'));
      await until(() => t.requests.length === 2 && t.connections.length === 2, 5000, 'two streams');
      const later = t.requests.find((r) => r.path === '/later')!;
      const pre = t.connections.find((c) => c.id === later.connectionId)!;
      assert.ok(pre.establishment.tls! > 0, 'the record keeps its setup');
      assert.equal(later.phases.dns ?? later.phases.connect ?? later.phases.tls, undefined, `no setup in the stream: ${JSON.stringify(later.phases)}`);
      assert.equal(later.reused, false);
      assert.ok(phasesConsistent(later));
      const onEarly = t.requests.find((r) => r.path === '/early')!;
      const sup = t.connections.find((c) => c.id === onEarly.connectionId)!;
      assert.equal(sup.tls?.alpn, 'h2', 'TLS facts still read from the socket');
      assert.deepEqual(sup.establishment, { total: 0 }, 'no setup phases for a setup not seen');
      assert.equal(onEarly.phases.dns ?? onEarly.phases.connect ?? onEarly.phases.tls, undefined, JSON.stringify(onEarly.phases));
    } finally {
      preconnected.destroy();
      supplied.destroy();
      t.stop();
      await served.close();
    }
  });
});
