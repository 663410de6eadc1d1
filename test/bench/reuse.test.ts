import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { bench } from '../../src/bench/run.js';
import { httpServer, httpsServer, listen } from '../helpers/servers.js';

const served = await httpServer((_req, res) => res.end('hello'));
after(() => served.close());

// the preflight check opens one connection of its own before the load starts
const PREFLIGHT = 1;

for (const client of ['raw', 'undici', 'http', 'fetch'] as const) {
  test(`${client}: keep-alive on reuses every connection; the server agrees`, { timeout: 20_000 }, async () => {
    const before = served.connections;
    const r = await bench({ url: `${served.origin}/`, client, concurrency: 4, requests: 200 });
    const s = r.stats;
    assert.equal(s.requests, 200);
    assert.equal(s.errors, 0);
    assert.equal(s.statusCodes['200'], 200);
    assert.ok(s.connectionsOpened >= 1 && s.connectionsOpened <= 4, `opened ${s.connectionsOpened}`);
    assert.equal(served.connections - before - PREFLIGHT, s.connectionsOpened, 'server-side connection count');
    assert.ok(s.reuseRate !== null && s.reuseRate >= 0.98, `reuse ${s.reuseRate}`);
    assert.ok(s.requestsPerConnection && s.requestsPerConnection.mean >= 50);
    assert.ok(!r.findings.some((f) => f.id === 'keepalive-disabled'));
  });

  test(`${client}: keep-alive off opens a connection per request; the server agrees`, { timeout: 20_000 }, async () => {
    const before = served.connections;
    const r = await bench({ url: `${served.origin}/`, client, concurrency: 4, requests: 60, keepAlive: false });
    const s = r.stats;
    assert.equal(s.requests, 60);
    assert.equal(s.errors, 0);
    assert.equal(s.reuseRate, 0);
    assert.equal(served.connections - before - PREFLIGHT, 60, 'server-side connection count');
    assert.ok(s.connectionsOpened >= 60, `opened ${s.connectionsOpened}`);
    assert.ok(r.findings.some((f) => f.id === 'keepalive-disabled'), r.findings.map((f) => f.id).join());
  });
}

test('raw over TLS: handshakes are counted and the session cache resumes them', { timeout: 20_000 }, async () => {
  const tls = await httpsServer((_req, res) => res.end('ok'));
  try {
    const before = tls.connections;
    const r = await bench({ url: `${tls.origin}/`, client: 'raw', concurrency: 2, requests: 30, keepAlive: false, ca: tls.chain.caPem });
    assert.equal(r.stats.errors, 0);
    assert.equal(r.stats.handshakes.full + r.stats.handshakes.resumed, 30);
    assert.equal(tls.connections - before - PREFLIGHT, 30);
    assert.ok(r.stats.handshakes.resumed >= 20, `resumed ${r.stats.handshakes.resumed}`);
    assert.ok(r.stats.phases.tls && r.stats.phases.tls.count >= 28);
    const off = await bench({ url: `${tls.origin}/`, client: 'raw', concurrency: 2, requests: 20, keepAlive: false, ca: tls.chain.caPem, tlsSessionCache: 0 });
    assert.equal(off.stats.handshakes.resumed, 0);
  } finally {
    await tls.close();
  }
});

test('h2: one session carries every stream', { timeout: 20_000 }, async () => {
  const tls = await httpsServer(() => undefined);
  await tls.close();
  const chain = tls.chain;
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem }, (_req, res) => res.end('ok'));
  const h2 = await listen(server, 'https');
  try {
    const before = h2.connections;
    const r = await bench({ url: `${h2.origin}/`, client: 'h2', concurrency: 8, requests: 200, ca: chain.caPem });
    assert.equal(r.stats.errors, 0);
    assert.equal(r.stats.statusCodes['200'], 200);
    assert.equal(r.stats.connectionsOpened, 1);
    assert.equal(h2.connections - before - PREFLIGHT, 1);
    assert.ok(r.stats.reuseRate! > 0.99);
  } finally {
    await h2.close();
  }
});
