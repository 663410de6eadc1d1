import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { bench } from '../../src/bench/run.js';
import { listen, testChain } from '../helpers/servers.js';

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
