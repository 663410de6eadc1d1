import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { probe } from '../../src/probe/index.js';
import { testChain } from '../helpers/servers.js';
import { hasNginx, startNginx } from './nginx-server.js';

// A server that is not Node: nginx's keepalive_timeout / keepalive_requests / http2 defaults, as the probe sees them.
const skip = hasNginx ? false : 'nginx not installed';
const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const s of stops) await s();
});

test('nginx: keepalive_timeout 1s measured, keepalive_requests 4 counted, h2 SETTINGS read', { skip, timeout: 30_000 }, async () => {
  const chain = await testChain();
  const nginx = await startNginx(`
  keepalive_timeout 1s;
  keepalive_requests 4;
  server {
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / { return 200 "ok\\n"; }
  }`, chain);
  stops.push(nginx.stop);
  const r = await probe(`https://localhost:${nginx.port}/`, { ca: chain.caPem, idleTimeoutMaxMs: 5000, maxRequests: 20, requests: 2 });
  assert.equal(r.error, null);
  const idle = r.keepAlive.measuredIdleTimeoutMs;
  assert.ok(idle !== null && idle >= 900 && idle < 2500, `measured ${idle}`);
  assert.equal(r.keepAlive.maxRequestsPerConnection, 4);
  assert.equal(r.http2.supported, true);
  assert.equal(r.http2.maxConcurrentStreams, 128, "nginx's default http2_max_concurrent_streams");
  const ids = r.findings.map((f) => f.id);
  for (const id of ['idle-timeout-race', 'server-max-requests', 'h2-available-not-used']) assert.ok(ids.includes(id), id);
  // the client kept alive: nothing blames it
  assert.ok(!ids.includes('keepalive-disabled'));
});

test('nginx keepalive_timeout 0 (Connection: close): server-closes-connection, never keepalive-disabled', { skip, timeout: 30_000 }, async () => {
  const nginx = await startNginx(`
  keepalive_timeout 0;
  server {
    listen 127.0.0.1:{port};
    location / { return 200 "ok\\n"; }
  }`);
  stops.push(nginx.stop);
  const r = await probe(`http://127.0.0.1:${nginx.port}/`, { requests: 3 });
  assert.equal(r.error, null);
  assert.equal(r.keepAlive.connectionHeader, 'close');
  assert.equal(r.keepAlive.serverKeptConnection, false);
  const ids = r.findings.map((f) => f.id);
  assert.ok(ids.includes('server-closes-connection'), ids.join());
  assert.ok(!ids.includes('keepalive-disabled'), ids.join());
});

test('nginx without http2: --alpn h2 fails the handshake and reports no h2 connection, supported false', { skip, timeout: 30_000 }, async () => {
  const chain = await testChain();
  const nginx = await startNginx(`
  server {
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / { return 200 "ok\\n"; }
  }`, chain);
  stops.push(nginx.stop);
  for (const options of [{ alpn: ['h2'] }, { protocol: 'h2' as const }]) {
    const r = await probe(`https://localhost:${nginx.port}/`, { ca: chain.caPem, ...options, requests: 1 });
    assert.ok(r.error, JSON.stringify(options));
    assert.equal(r.http2.used, false);
    assert.equal(r.http2.supported, false, 'the h2,http/1.1 offer completed with http/1.1');
    assert.ok(r.connections.every((c) => c.protocol !== 'h2'), JSON.stringify(r.connections.map((c) => c.protocol)));
  }
});
