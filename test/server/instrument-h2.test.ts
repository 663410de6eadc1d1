import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { instrumentServer, instrumentServers } from '../../src/trace/server/index.js';
import type { ConnectionRecord } from '../../src/model/connection.js';
import type { RequestTrace } from '../../src/model/request.js';
import { testChain } from '../helpers/servers.js';
import { waitFor, withDeadline } from './wait.js';

const T = { timeout: 20_000 };

function h2get(client: http2.ClientHttp2Session, path: string): Promise<number> {
  return withDeadline(
    new Promise((resolve, reject) => {
      const req = client.request({ ':path': path });
      let status = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.resume();
      req.on('end', () => resolve(status));
      req.on('error', reject);
    }),
    5_000,
    `h2 GET ${path}`,
  );
}

test('http2 over TLS: one session is one connection, each stream a request, later ones reused', T, async () => {
  const chain = await testChain();
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  const tracer = instrumentServer(server);
  const requests: RequestTrace[] = [];
  const connections: ConnectionRecord[] = [];
  tracer.on('request', (r) => requests.push(r));
  tracer.on('connection', (c) => connections.push(c));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const client = http2.connect(`https://127.0.0.1:${port}`, { ca: chain.caPem });
  client.on('error', () => {});
  try {
    for (let i = 0; i < 3; i++) assert.equal(await h2get(client, `/s${i}?q=1`), 200);
    const closed = waitFor<[ConnectionRecord]>(tracer, 'close', () => true, 5_000);
    client.close();
    const [c] = await closed;
    assert.equal(connections.length, 1);
    assert.equal(c.protocol, 'h2');
    assert.equal(c.tls?.alpn, 'h2');
    assert.ok(c.establishment.tls! > 0);
    assert.equal(c.requests, 3);
    assert.equal(c.close?.closedBy, 'client');
    assert.deepEqual(requests.map((r) => [r.path, r.reused, r.requestIndexOnConnection, r.status]), [
      ['/s0', false, 1, 200],
      ['/s1', true, 2, 200],
      ['/s2', true, 3, 200],
    ]);
  } finally {
    client.destroy();
    tracer.stop();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('instrumentServers() picks up servers created later, from their first connection on', T, async () => {
  const tracer = instrumentServers();
  const server = http.createServer((_req, res) => res.end('ok'));
  const requests: RequestTrace[] = [];
  tracer.on('request', (r) => requests.push(r));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true });
  const get = (): Promise<void> =>
    withDeadline(
      new Promise<void>((resolve, reject) => {
        http.get({ port, host: '127.0.0.1', path: '/x', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        }).on('error', reject);
      }),
      5_000,
      'GET',
    );
  try {
    await get();
    await get();
    assert.equal(requests.length, 2, 'the very first connection is traced');
    assert.equal(requests[1]!.reused, true);
    assert.equal(requests[0]!.connectionId, requests[1]!.connectionId);
    assert.deepEqual(tracer.counts(), { active: 0, idle: 1, requests: 0 });
    assert.equal(tracer.openConnections()[0]!.requests, 2);
    tracer.stop();
    await get();
    assert.equal(requests.length, 2, 'nothing after stop()');
  } finally {
    tracer.stop();
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('http2: an idle session closed by the server timeout is server-idle-timeout', T, async () => {
  const server = http2.createServer();
  server.setTimeout(200);
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  const tracer = instrumentServer(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('error', () => {});
  try {
    const closed = waitFor<[ConnectionRecord]>(tracer, 'close', () => true, 5_000);
    assert.equal(await h2get(client, '/'), 200);
    const [c] = await closed;
    assert.deepEqual(c.close, { closedBy: 'server', reason: 'server-idle-timeout' });
    assert.equal(c.requests, 1);
    assert.equal(c.tls, undefined);
    assert.ok(c.closedAt! - c.openedAt >= 150, 'closed after the timeout, not before');
  } finally {
    client.destroy();
    tracer.stop();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
