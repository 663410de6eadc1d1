import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import { randomBytes } from 'node:crypto';
import { httpServer, httpsServer, type Served } from '../helpers/servers.js';
import { collect, phasesConsistent, sleep, until } from './collect.js';
import { get } from './httpget.js';

describe('tracer: node:http Agent', { timeout: 30_000 }, () => {
  let plain: Served<http.Server>;
  before(async () => {
    plain = await httpServer((req, res) => {
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
      setTimeout(() => res.end('hello'), delay);
    });
  });
  after(() => plain.close());

  test('a keep-alive agent reuses the connection; idleBeforeMs matches the pause', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true });
    try {
      const before = plain.connections;
      await get(`${plain.origin}/one`, { agent });
      await sleep(120);
      const second = await get(`${plain.origin}/two?token=secret`, { agent });
      assert.equal(second.reusedSocket, true);
      await until(() => t.requests.length === 2, 3000, 'two request events');
      assert.equal(plain.connections - before, 1, 'server saw one connection');
      const [r1, r2] = t.requests;
      assert.equal(r1!.reused, false);
      assert.equal(r1!.requestIndexOnConnection, 1);
      assert.ok(r1!.phases.connect !== undefined, 'first request pays connect');
      assert.equal(r1!.phases.dns, undefined, 'no dns for an IP literal');
      assert.equal(r2!.reused, true);
      assert.equal(r2!.requestIndexOnConnection, 2);
      assert.equal(r2!.connectionId, r1!.connectionId);
      assert.equal(r2!.phases.connect, undefined);
      assert.equal(r2!.path, '/two', 'query values are never kept');
      assert.ok(r2!.idleBeforeMs! >= 110 && r2!.idleBeforeMs! < 400, `idleBeforeMs ${r2!.idleBeforeMs}`);
      assert.ok(r1!.poolId && r1!.poolId === r2!.poolId);
      for (const r of t.requests) assert.ok(phasesConsistent(r), JSON.stringify(r.phases));
      assert.equal(t.connections.length, 1);
      assert.equal(t.connections[0]!.requests, 2);
      assert.equal(t.connections[0]!.idle.count, 1);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('keepAlive false opens a new connection per request', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: false });
    try {
      const before = plain.connections;
      for (let i = 0; i < 3; i++) await get(`${plain.origin}/`, { agent });
      await until(() => t.requests.length === 3 && t.closes.length === 3, 3000, 'three requests and closes');
      assert.equal(plain.connections - before, 3);
      assert.equal(new Set(t.requests.map((r) => r.connectionId)).size, 3);
      assert.ok(t.requests.every((r) => !r.reused && r.requestIndexOnConnection === 1));
      assert.ok(t.closes.every((c) => c.close?.reason === 'client-connection-close' && c.close.closedBy === 'client'), JSON.stringify(t.closes.map((c) => c.close)));
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('the global agent is traced too', async () => {
    const t = collect();
    try {
      await get(`${plain.origin}/global`);
      await until(() => t.requests.length === 1, 3000, 'request');
      assert.equal(t.requests[0]!.status, 200);
      assert.ok(t.tracer.poolSnapshot().some((s) => s.kind === 'http.Agent' && s.origin === plain.origin && s.free >= 1));
    } finally {
      http.globalAgent.destroy();
      t.stop();
    }
  });

  test('maxSockets 1: the second of two concurrent requests is blocked about 100 ms', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const p = [get(`${plain.origin}/a?delay=100`, { agent }), get(`${plain.origin}/b?delay=100`, { agent })];
      await sleep(30);
      const snap = t.tracer.poolSnapshot().find((s) => s.poolId !== undefined && s.origin === plain.origin && s.queued > 0);
      assert.ok(snap, 'the snapshot shows the queued request');
      assert.equal(snap.active, 1);
      await Promise.all(p);
      await until(() => t.requests.length === 2, 3000, 'two requests');
      const b = t.requests.find((r) => r.path === '/b')!;
      assert.ok(b.phases.blocked! >= 90 && b.phases.blocked! < 400, `blocked ${b.phases.blocked}`);
      assert.equal(b.reused, true);
      const a = t.requests.find((r) => r.path === '/a')!;
      assert.ok(a.phases.blocked! < 20, `first blocked ${a.phases.blocked}`);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('a lookup that takes 50 ms shows as dns >= 50 ms', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true });
    const lookup = ((host: string, opts: dns.LookupOptions, cb: (...a: any[]) => void) => {
      setTimeout(() => dns.lookup('127.0.0.1', opts, cb), 50);
    }) as unknown as typeof dns.lookup;
    try {
      await get(`http://slow.test:${plain.port}/`, { agent, lookup });
      await until(() => t.requests.length === 1, 3000, 'request');
      const r = t.requests[0]!;
      assert.ok(r.phases.dns! >= 49, `dns ${r.phases.dns}`);
      assert.ok(t.connections[0]!.establishment.dns! >= 49);
      assert.ok(phasesConsistent(r));
      assert.equal(r.origin, `http://slow.test:${plain.port}`);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('server keepAliveTimeout 200 ms closes the idle connection: server-idle-timeout', async () => {
    // The server does not advertise its timeout (as many proxies), so the client keeps the socket.
    const srv = await httpServer((_req, res) => {
      res.setHeader('Connection', 'keep-alive');
      res.end('ok');
    }, { keepAliveTimeout: 200 });
    const t = collect();
    const agent = new http.Agent({ keepAlive: true });
    try {
      await get(`${srv.origin}/`, { agent });
      await until(() => t.closes.length === 1, 3000, 'close');
      const c = t.closes[0]!;
      assert.deepEqual(c.close, { closedBy: 'server', reason: 'server-idle-timeout' });
      assert.ok(c.closedAt! - c.openedAt >= 150);
    } finally {
      agent.destroy();
      t.stop();
      await srv.close();
    }
  });

  test('Connection: close from the server gives server-connection-close', async () => {
    const srv = await httpServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('bye');
    });
    const t = collect();
    const agent = new http.Agent({ keepAlive: true });
    try {
      await get(`${srv.origin}/`, { agent });
      await until(() => t.closes.length === 1, 3000, 'close');
      assert.equal(t.closes[0]!.close?.reason, 'server-connection-close');
      assert.equal(t.closes[0]!.close?.closedBy, 'server');
      assert.equal(t.requests[0]!.responseHeaders?.connection, 'close');
      assert.equal(t.closes[0]!.keepAliveHint?.connectionHeader, 'close');
    } finally {
      agent.destroy();
      t.stop();
      await srv.close();
    }
  });

  test('client idle timeout of the agent: client-idle-timeout', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true, timeout: 150 });
    try {
      await get(`${plain.origin}/`, { agent });
      await until(() => t.closes.length === 1, 3000, 'close');
      assert.deepEqual(t.closes[0]!.close, { closedBy: 'client', reason: 'client-idle-timeout' });
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  describe('https', () => {
    test('TLS info, chain without the root, resumption on the second connection', async () => {
      const srv = await httpsServer((_req, res) => res.end('tls'));
      const t = collect();
      const agent = new https.Agent({ keepAlive: false, ca: srv.chain.caPem });
      try {
        await get(`https://localhost:${srv.port}/`, { agent });
        await get(`https://localhost:${srv.port}/`, { agent });
        await until(() => t.connections.length === 2 && t.requests.length === 2, 3000, 'two connections');
        const [c1, c2] = t.connections;
        assert.equal(c1!.tls?.version, 'TLSv1.3');
        assert.ok(c1!.tls?.cipher);
        assert.equal(c1!.tls?.resumed, false);
        assert.equal(c1!.tls?.chain?.depth, 2, 'leaf + intermediate; the root is not counted');
        assert.equal(c1!.tls?.chain?.bytes, srv.chain.derSizes[0]! + srv.chain.derSizes[1]!);
        assert.equal(c1!.tls?.ocspStapled, undefined, 'absent unless requestOCSP was set');
        assert.ok(c1!.establishment.tls! > 0 && c1!.establishment.connect !== undefined && c1!.establishment.dns !== undefined);
        assert.equal(c2!.tls?.resumed, true);
        const r1 = t.requests[0]!;
        assert.ok(r1.phases.tls !== undefined && phasesConsistent(r1));
      } finally {
        agent.destroy();
        t.stop();
        await srv.close();
      }
    });

    test('OCSP stapling is reported when the client asked for it', async () => {
      const srv = await httpsServer((_req, res) => res.end('tls'));
      // Node hands the stapled bytes to the client as is; any non-empty response counts as stapled.
      srv.server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp?: Buffer) => void) => cb(null, Buffer.from('stapled')));
      const t = collect();
      const agent = new https.Agent({ keepAlive: false, ca: srv.chain.caPem, requestOCSP: true } as https.AgentOptions);
      try {
        await get(`https://localhost:${srv.port}/`, { agent });
        await until(() => t.connections.length === 1, 3000, 'connection');
        assert.equal(t.connections[0]!.tls?.ocspStapled, true);
      } finally {
        agent.destroy();
        t.stop();
        await srv.close();
      }
    });

    test('a server that rotates ticket keys defeats resumption', async () => {
      const srv = await httpsServer((_req, res) => res.end('tls'));
      // Rotated when a connection arrives, before its handshake: TLS 1.3 sends tickets after the
      // handshake, so rotating on secureConnection would encrypt the next ticket with the new key.
      srv.server.on('connection', () => srv.server.setTicketKeys(randomBytes(48)));
      const t = collect();
      const agent = new https.Agent({ keepAlive: false, ca: srv.chain.caPem });
      try {
        for (let i = 0; i < 3; i++) await get(`https://localhost:${srv.port}/`, { agent });
        await until(() => t.connections.length === 3, 3000, 'three connections');
        assert.deepEqual(t.connections.map((c) => c.tls?.resumed), [false, false, false]);
      } finally {
        agent.destroy();
        t.stop();
        await srv.close();
      }
    });
  });
});
