import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type net from 'node:net';
import { bench } from '../../src/bench/run.js';
import type { H2Error } from '../../src/errors.js';
import { httpServer, httpsServer, listen, testChain } from '../helpers/servers.js';

const chain = await testChain();
const ids = (r: { findings: { id: string }[] }): string[] => r.findings.map((f) => f.id);

test('h2: streams beyond the server limit queue → h2-stream-limit; more sessions clear it', { timeout: 20_000 }, async () => {
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem, settings: { maxConcurrentStreams: 2 } }, (_req, res) => {
    setTimeout(() => res.end('ok'), 10);
  });
  const s = await listen(server, 'https');
  after(() => s.close());
  const r = await bench({ url: `${s.origin}/`, client: 'h2', concurrency: 12, durationMs: 1000, ca: chain.caPem });
  assert.equal(r.stats.errors, 0, JSON.stringify(r.stats.errorsByCode));
  assert.equal(r.stats.connectionsOpened, 1);
  assert.equal(r.session.facts.http2?.maxConcurrentStreams, 2);
  assert.ok((r.session.facts.http2?.streamsQueued ?? 0) > 0);
  assert.ok(ids(r).includes('h2-stream-limit'), ids(r).join());
  assert.ok(!ids(r).includes('pool-exhausted'));
  const wide = await bench({ url: `${s.origin}/`, client: 'h2', concurrency: 12, connections: 6, durationMs: 800, ca: chain.caPem });
  assert.equal(wide.stats.connectionsOpened, 6);
  assert.ok(!ids(wide).includes('h2-stream-limit'), `${wide.stats.blockedShare} ${ids(wide).join()}`);
});

test('h2: the server ends sessions with GOAWAY → sessions re-established and h2-goaway', { timeout: 20_000 }, async () => {
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem });
  const served = new WeakMap<http2.Http2Session, number>();
  server.on('stream', (stream) => {
    const session = stream.session!;
    const n = (served.get(session) ?? 0) + 1;
    served.set(session, n);
    stream.respond({ ':status': 200 });
    stream.end('ok');
    // like a server with a per-connection request limit
    if (n === 50) session.close();
  });
  const s = await listen(server, 'https');
  after(() => s.close());
  const r = await bench({ url: `${s.origin}/`, client: 'h2', concurrency: 1, requests: 300, ca: chain.caPem });
  assert.ok(r.stats.connectionsOpened >= 5, `sessions ${r.stats.connectionsOpened}`);
  assert.ok((r.stats.closes['server:goaway'] ?? 0) >= 4, JSON.stringify(r.stats.closes));
  assert.ok(ids(r).includes('h2-goaway'), ids(r).join());
});

test('h2: a server without HTTP/2 ends the run before the load with one clear error (ALPN over TLS, prior knowledge without)', { timeout: 20_000 }, async () => {
  const tls1 = await httpsServer((_req, res) => res.end('ok'));
  const plain = await httpServer((_req, res) => res.end('ok'));
  try {
    const started = Date.now();
    await assert.rejects(bench({ url: `${tls1.origin}/`, client: 'h2', durationMs: 2000, ca: tls1.chain.caPem }), (e: H2Error) => e.code === 'CONNSCOPE_ERR_H2' && /does not offer HTTP\/2 \(ALPN h2\)/.test(e.message) && /--client undici/.test(e.hint ?? ''));
    await assert.rejects(bench({ url: `${plain.origin}/`, client: 'h2', durationMs: 2000 }), (e: H2Error) => e.code === 'CONNSCOPE_ERR_H2' && /h2c prior knowledge/.test(e.message));
    assert.ok(Date.now() - started < 2000, 'no load ran');
    // only the checking connection reached the servers
    assert.equal(tls1.connections + plain.connections, 1, `${tls1.connections} + ${plain.connections}`);
  } finally {
    await tls1.close();
    await plain.close();
  }
});

test('h2: a server that closes every new connection before its SETTINGS → failures counted, a count-bounded run still ends', { timeout: 20_000 }, async () => {
  const server = http2.createServer((_req, res) => res.end('ok'));
  let accepted = 0;
  // the first connection (the check before the load) is served; every later one is closed at once
  server.on('connection', (sock: net.Socket) => {
    if (++accepted > 1) sock.end();
  });
  const s = await listen(server, 'http');
  try {
    const started = Date.now();
    const r = await bench({ url: `${s.origin}/`, client: 'h2', concurrency: 2, requests: 20, durationMs: 8000 });
    assert.equal(r.stats.requests, 20);
    assert.equal(r.stats.errors, 20, JSON.stringify(r.stats.errorsByCode));
    assert.ok(Date.now() - started < 6000, `took ${Date.now() - started} ms`);
  } finally {
    await s.close();
  }
});

test('h2: a stream with no answer fails after --timeout (not sooner), a head without its body gets its own --timeout, the session lives on', { timeout: 20_000 }, async () => {
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem });
  let streams = 0;
  server.on('stream', (stream, headers) => {
    streams++;
    // '/head': the head at 200 ms, then the body never comes; '/': nothing at all
    if (headers[':path'] === '/head') setTimeout(() => !stream.closed && stream.respond({ ':status': 200 }), 200);
  });
  const s = await listen(server, 'https');
  after(() => s.close());
  const r = await bench({ url: `${s.origin}/`, client: 'h2', concurrency: 2, requests: 4, durationMs: 10_000, timeoutMs: 300, ca: chain.caPem });
  assert.equal(r.stats.errorsByCode['CONNSCOPE_ERR_TIMEOUT'], 4, JSON.stringify(r.stats.errorsByCode));
  assert.equal(streams, 4);
  assert.equal(r.stats.connectionsOpened, 1);
  assert.ok(r.stats.latency && r.stats.latency.min >= 295, `min ${r.stats.latency?.min}`);
  // one sweep tick (timeout/8) late at most, plus a generous margin for a busy machine
  assert.ok(r.stats.latency && r.stats.latency.p50 < 1500, `p50 ${r.stats.latency?.p50}`);
  const h = await bench({ url: `${s.origin}/head`, client: 'h2', concurrency: 1, requests: 2, durationMs: 10_000, timeoutMs: 300, ca: chain.caPem });
  assert.equal(h.stats.errorsByCode['CONNSCOPE_ERR_TIMEOUT'], 2, JSON.stringify(h.stats.errorsByCode));
  // the head at 200 ms restarts the deadline: the stream fails 300 ms after it, not 300 ms after the start
  assert.ok(h.stats.latency && h.stats.latency.min >= 490, `min ${h.stats.latency?.min}`);
});

test("h2: the sample's records, built after the load, are every request once: each session's streams 1..n as the server counted them, in start order", { timeout: 30_000 }, async () => {
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem });
  // the server's own count of the streams of each session
  const perSession = new Map<http2.Http2Session, number>();
  server.on('stream', (stream) => {
    perSession.set(stream.session!, (perSession.get(stream.session!) ?? 0) + 1);
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  const s = await listen(server, 'https');
  after(() => s.close());

  const r = await bench({ url: `${s.origin}/`, client: 'h2', connections: 3, concurrency: 6, requests: 600, durationMs: 20_000, ca: chain.caPem });
  assert.equal(r.stats.requests, 600);
  assert.equal(r.stats.errors, 0, JSON.stringify(r.stats.errorsByCode));
  // counted once each (the accumulator), and each in the sample once (600 is below the sample's 5,000)
  assert.equal(r.stats.tracedRequests, 600);
  const sample = r.session.requests;
  assert.equal(sample.length, 600);
  const byConn = new Map<string, number[]>();
  for (const q of sample) byConn.set(q.connectionId!, [...(byConn.get(q.connectionId!) ?? []), q.requestIndexOnConnection!]);
  const counts = [...byConn.values()].map((idx) => {
    const sorted = [...idx].sort((a, b) => a - b);
    assert.deepEqual(sorted, sorted.map((_, i) => i + 1), 'each session: streams 1..n, none missing, none twice');
    return idx.length;
  });
  assert.deepEqual(counts.sort((a, b) => a - b), [...perSession.values()].sort((a, b) => a - b));
  for (let i = 1; i < sample.length; i++) assert.ok(sample[i]!.startedAt >= sample[i - 1]!.startedAt, 'start order');
  let plainReused = 0;
  for (const q of sample) {
    assert.equal(q.status, 200);
    assert.equal(q.reused, q.requestIndexOnConnection! > 1);
    const p = q.phases;
    assert.ok(p.total >= 0 && p.wait !== undefined && p.wait >= 0 && p.total >= p.wait, JSON.stringify(p));
    // a session's first stream carries its setup (so do the streams that waited for it); the rest are the records
    // built after the load, from the marks the engine kept
    if (q.requestIndexOnConnection === 1) assert.ok(p.connect !== undefined && p.tls !== undefined, JSON.stringify(p));
    else if (p.connect === undefined) {
      plainReused++;
      assert.ok(p.blocked !== undefined && p.tls === undefined, JSON.stringify(p));
    }
  }
  // at most the first concurrency-many streams joined a session's setup
  assert.ok(plainReused >= 600 - 6, `${plainReused} plain reused`);

  // past the sample: every request counted, the sample capped at 5,000 successes
  const big = await bench({ url: `${s.origin}/`, client: 'h2', connections: 2, concurrency: 20, requests: 6000, durationMs: 20_000, ca: chain.caPem });
  assert.equal(big.stats.errors, 0, JSON.stringify(big.stats.errorsByCode));
  assert.equal(big.stats.tracedRequests, 6000);
  assert.equal(big.session.requests.length, 5000);

  // a warm-up's sample is not kept: the run's sample holds only the measured requests
  const warm = await bench({ url: `${s.origin}/`, client: 'h2', connections: 2, concurrency: 4, requests: 200, warmupMs: 300, durationMs: 20_000, ca: chain.caPem });
  assert.ok((warm.warmup?.requests ?? 0) > 0, JSON.stringify(warm.warmup));
  assert.equal(warm.stats.requests, 200);
  assert.equal(warm.session.requests.length, 200);
  assert.equal(warm.stats.tracedRequests, 200);
});
