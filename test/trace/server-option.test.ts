import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collect, until } from './collect.js';
import { get } from './httpget.js';

async function withServer<T>(fn: (origin: string, server: http.Server) => Promise<T>): Promise<T> {
  const server = http.createServer((_req, res) => res.end('hi'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, server);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

test('instrument({ server: true }) puts both ends of one in-process exchange in one event stream', { timeout: 15_000 }, async () => {
  const t = collect({ server: true });
  const agent = new http.Agent({ keepAlive: true });
  try {
    // Created after instrument(): the process-wide hook still finds it.
    await withServer(async (origin) => {
      await get(`${origin}/a`, { agent });
      await get(`${origin}/b`, { agent });
      await until(() => t.requests.length === 4, 3000, 'two client and two server requests');
      const bySource = (s: string) => t.requests.filter((r) => r.source === s);
      assert.equal(bySource('http').length, 2, 'client side');
      assert.equal(bySource('server').length, 2, 'server side');
      assert.deepEqual(bySource('server').map((r) => r.path).sort(), ['/a', '/b']);
      await until(() => t.connections.length === 2, 3000, 'one connection seen from each end');
      const client = t.connections.find((c) => c.source === 'http')!;
      const server = t.connections.find((c) => c.source === 'server')!;
      assert.ok(client && server, JSON.stringify(t.connections.map((c) => c.source)));
      assert.equal(server.remotePort, client.localPort, 'the same TCP connection from both ends');
      agent.destroy();
      await until(() => t.closes.length === 2, 3000, 'the close seen from both ends');
      assert.deepEqual(t.closes.map((c) => c.source).sort(), ['http', 'server']);
    });
    t.stop();
    // stop() stops both: a new server and client after it are not traced.
    const seen = t.requests.length + t.connections.length;
    await withServer(async (origin) => {
      await get(`${origin}/after`, { agent: new http.Agent({ keepAlive: false }) });
    });
    assert.equal(t.requests.length + t.connections.length, seen, 'nothing recorded after stop()');
  } finally {
    agent.destroy();
    t.stop();
  }
});

test('without server: true the servers of the process stay untraced', { timeout: 15_000 }, async () => {
  const t = collect();
  const agent = new http.Agent({ keepAlive: false });
  try {
    await withServer(async (origin) => {
      await get(`${origin}/`, { agent });
      await until(() => t.requests.length >= 1, 3000, 'the client request');
    });
    assert.equal(t.requests.filter((r) => r.source === 'server').length, 0);
    assert.equal(t.connections.filter((c) => c.source === 'server').length, 0);
  } finally {
    agent.destroy();
    t.stop();
  }
});
