import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import dns from 'node:dns';
import dc from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { Agent, Pool, request } from 'undici';
import { httpServer, httpsServer, type Served } from '../helpers/servers.js';
import { collect, phasesConsistent, sleep, until } from './collect.js';

const delayed: http.RequestListener = (req, res) => {
  const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
  setTimeout(() => res.end('hello'), delay);
};

/** A lookup that answers 127.0.0.1 after `ms`, for any name (a custom lookup leaves Node no 'dns' entry). */
const lookupAfter = (ms: number): typeof dns.lookup =>
  ((_host: string, opts: dns.LookupOptions, cb: (...a: any[]) => void) => {
    setTimeout(() => dns.lookup('127.0.0.1', opts, cb), ms);
  }) as unknown as typeof dns.lookup;

describe('tracer: undici and fetch', { timeout: 30_000 }, () => {
  let plain: Served<http.Server>;
  before(async () => {
    plain = await httpServer(delayed);
  });
  after(() => plain.close());

  test('undici Pool: reuse, request index and idleBeforeMs', async () => {
    const t = collect();
    const pool = new Pool(plain.origin, { connections: 1 });
    try {
      const before = plain.connections;
      await (await pool.request({ path: '/one', method: 'GET' })).body.text();
      await sleep(120);
      await (await pool.request({ path: '/two?q=secret', method: 'GET' })).body.text();
      await until(() => t.requests.length === 2, 3000, 'two requests');
      assert.equal(plain.connections - before, 1);
      const [r1, r2] = t.requests;
      assert.equal(r1!.source, 'undici');
      assert.equal(r1!.reused, false);
      assert.ok(r1!.phases.connect !== undefined);
      assert.equal(r2!.reused, true);
      assert.equal(r2!.requestIndexOnConnection, 2);
      assert.equal(r2!.path, '/two');
      assert.equal(r2!.phases.connect, undefined);
      assert.ok(r2!.idleBeforeMs! >= 110 && r2!.idleBeforeMs! < 400, `idle ${r2!.idleBeforeMs}`);
      assert.ok(t.requests.every(phasesConsistent));
      assert.equal(r1!.poolId, r2!.poolId);
      t.tracer.watchPool(pool);
      const snap = t.tracer.poolSnapshot().find((s) => s.kind === 'undici' && s.origin === plain.origin && s.free === 1);
      assert.ok(snap, 'pool stats in the snapshot');
    } finally {
      await pool.close();
      t.stop();
    }
  });

  test('undici Pool connections 1: the second concurrent request is blocked about 100 ms', async () => {
    const t = collect();
    const pool = new Pool(plain.origin, { connections: 1 });
    try {
      const go = (p: string) => pool.request({ path: p, method: 'GET' }).then((r) => r.body.text());
      await Promise.all([go('/a?delay=100'), go('/b?delay=100')]);
      await until(() => t.requests.length === 2, 3000, 'two requests');
      const b = t.requests.find((r) => r.path === '/b')!;
      assert.ok(b.phases.blocked! >= 90 && b.phases.blocked! < 400, `blocked ${b.phases.blocked}`);
      assert.equal(b.reused, true);
    } finally {
      await pool.close();
      t.stop();
    }
  });

  test('undici Pool connections 1, counted (sampleRate 0): a request the Pool queued lasts from when the Pool took it, like a traced one', async () => {
    const t = collect({ sampleRate: 0 });
    const tallies: { path: string | undefined; ms: number }[] = [];
    t.tracer.on('tally', (r) => tallies.push({ path: r.toTrace().path, ms: r.durationMs }));
    const pool = new Pool(plain.origin, { connections: 1 });
    try {
      // the server answers each after 100 ms, one at a time: the third waited for two before it
      const go = (p: string) => pool.request({ path: p, method: 'GET' }).then((r) => r.body.text());
      await Promise.all([go('/a?delay=100'), go('/b?delay=100'), go('/c?delay=100')]);
      await until(() => tallies.length === 3, 3000, 'three tallies');
      assert.equal(t.requests.length, 0, 'nothing traced at sampleRate 0');
      const c = tallies.find((r) => r.path?.startsWith('/c'))!;
      assert.ok(c.ms >= 280 && c.ms < 1500, `the third request's duration ${c.ms} ms covers its wait in the Pool's queue`);
      const a = tallies.find((r) => r.path?.startsWith('/a'))!;
      assert.ok(a.ms >= 90 && a.ms < c.ms - 150, `the first request (${a.ms} ms) did not wait`);
    } finally {
      await pool.close();
      t.stop();
    }
  });

  test('poolSnapshot finds undici Pools by itself and shows the queue, with the records\' poolId', async () => {
    const t = collect();
    const pool = new Pool(plain.origin, { connections: 1 });
    try {
      const go = (p: string) => pool.request({ path: p, method: 'GET' }).then((r) => r.body.text());
      const both = Promise.all([go('/a?delay=100'), go('/b?delay=100')]);
      await sleep(40);
      const snap = t.tracer.poolSnapshot().filter((s) => s.kind === 'undici' && s.origin === plain.origin && s.queued > 0);
      assert.equal(snap.length, 1, JSON.stringify(t.tracer.poolSnapshot()));
      assert.equal(snap[0]!.active, 1);
      assert.equal(snap[0]!.queued, 1);
      await both;
      await until(() => t.requests.length === 2, 3000, 'two requests');
      assert.equal(snap[0]!.poolId, t.requests[0]!.poolId);
    } finally {
      await pool.close();
      t.stop();
    }
  });

  test("undici: the dns split of a plain connect holds when the connect's own listeners take 5 ms (a busy subscriber)", async () => {
    const t = collect();
    // another subscriber of undici's `connected` that works 5 ms: Node's TCP entry then ends 5 ms after the connection
    const busy = (): void => {
      const until = performance.now() + 5;
      while (performance.now() < until);
    };
    dc.subscribe('undici:client:connected', busy);
    const pool = new Pool(`http://busy.test:${plain.port}`, { connect: { lookup: lookupAfter(30) } });
    try {
      await (await pool.request({ path: '/', method: 'GET' })).body.text();
      await until(() => t.requests.length === 1, 3000, 'request');
      const r = t.requests[0]!;
      assert.ok(r.phases.dns! >= 29, `dns ${r.phases.dns}`);
      // the connect ends where undici reported the connection, not after the listeners' 5 ms
      assert.ok(r.phases.connect !== undefined && r.phases.connect < r.phases.dns!, JSON.stringify(r.phases));
      assert.ok(phasesConsistent(r));
    } finally {
      dc.unsubscribe('undici:client:connected', busy);
      await pool.close();
      t.stop();
    }
  });

  test('undici: a lookup that takes 50 ms shows as dns >= 50 ms', async () => {
    const t = collect();
    const pool = new Pool(`http://slow.test:${plain.port}`, { connect: { lookup: lookupAfter(50) } });
    try {
      await (await pool.request({ path: '/', method: 'GET' })).body.text();
      await until(() => t.requests.length === 1, 3000, 'request');
      const r = t.requests[0]!;
      assert.ok(r.phases.dns! >= 49, `dns ${r.phases.dns}`);
      assert.ok(r.phases.connect !== undefined);
      assert.ok(phasesConsistent(r));
    } finally {
      await pool.close();
      t.stop();
    }
  });

  test('undici: server idle timeout, Connection: close and its own idle timeout', async () => {
    const quiet = await httpServer((_req, res) => {
      res.setHeader('Connection', 'keep-alive');
      res.end('ok');
    }, { keepAliveTimeout: 200 });
    const closing = await httpServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('ok');
    });
    // No Keep-Alive hint either, so undici uses its own keepAliveTimeout (a hint would override it).
    const patient = await httpServer((_req, res) => {
      res.setHeader('Connection', 'keep-alive');
      res.end('ok');
    }, { keepAliveTimeout: 10_000 });
    const t = collect();
    const a = new Pool(quiet.origin);
    const b = new Pool(closing.origin);
    const c = new Pool(patient.origin, { keepAliveTimeout: 100 });
    try {
      await (await a.request({ path: '/', method: 'GET' })).body.text();
      await (await b.request({ path: '/', method: 'GET' })).body.text();
      await (await c.request({ path: '/', method: 'GET' })).body.text();
      await until(() => t.closes.length >= 3, 3000, 'three closes').catch((e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(t.closes.map((x) => [x.origin, x.close]))} of ${JSON.stringify(t.connections.map((x) => x.origin))}`);
      });
      const by = (o: string) => t.closes.find((x) => x.origin === o)!.close;
      assert.deepEqual(by(quiet.origin), { closedBy: 'server', reason: 'server-idle-timeout', errorCode: 'UND_ERR_SOCKET' });
      assert.equal(by(closing.origin)?.reason, 'server-connection-close');
      assert.deepEqual(by(patient.origin), { closedBy: 'client', reason: 'client-idle-timeout' });
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
      t.stop();
      await quiet.close();
      await closing.close();
      await patient.close();
    }
  });

  test('undici Agent: TLS info and resumption on the second connection; lost when tickets rotate', async () => {
    const srv = await httpsServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('tls');
    });
    const rotating = await httpsServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('tls');
    });
    rotating.server.on('connection', () => rotating.server.setTicketKeys(randomBytes(48)));
    const t = collect();
    const agent = new Agent({ connect: { ca: srv.chain.caPem } });
    try {
      for (let i = 0; i < 2; i++) await (await request(`https://localhost:${srv.port}/`, { dispatcher: agent })).body.text();
      for (let i = 0; i < 2; i++) await (await request(`https://localhost:${rotating.port}/`, { dispatcher: agent })).body.text();
      await until(() => t.connections.length === 4 && t.requests.length === 4, 3000, 'four connections');
      const first = t.connections.filter((c) => c.origin === `https://localhost:${srv.port}`);
      assert.deepEqual(first.map((c) => c.tls?.resumed), [false, true]);
      assert.equal(first[0]!.tls?.alpn, 'http/1.1');
      assert.equal(first[0]!.tls?.chain?.depth, 2);
      assert.ok(first[0]!.establishment.tls! > 0 && first[0]!.establishment.dns !== undefined);
      const rot = t.connections.filter((c) => c.origin === `https://localhost:${rotating.port}`);
      assert.deepEqual(rot.map((c) => c.tls?.resumed), [false, false]);
      assert.ok(t.requests.every(phasesConsistent));
    } finally {
      await agent.close();
      t.stop();
      await srv.close();
      await rotating.close();
    }
  });

  test('undici over h2: streams on a session count as reused; connections match the server', async () => {
    const { default: http2 } = await import('node:http2');
    const { testChain } = await import('../helpers/servers.js');
    const chain = await testChain();
    const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem }, (_req, res) => res.end('h2'));
    let sessions = 0;
    server.on('session', () => sessions++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const t = collect();
    const agent = new Agent({ allowH2: true, connect: { ca: chain.caPem } });
    try {
      await (await request(`https://localhost:${port}/0`, { dispatcher: agent })).body.text();
      await Promise.all(Array.from({ length: 9 }, (_, i) => request(`https://localhost:${port}/${i + 1}`, { dispatcher: agent }).then((r) => r.body.text())));
      await until(() => t.requests.length === 10, 3000, 'ten requests');
      // undici may open extra sessions for a burst; whatever it does, the tracer must agree with the server.
      assert.equal(t.connections.length, sessions);
      assert.ok(t.connections.every((c) => c.protocol === 'h2' && c.source === 'undici'));
      assert.equal(t.requests.filter((r) => r.reused).length, 10 - sessions);
      assert.ok(t.requests.every((r) => r.httpVersion === '2.0'));
    } finally {
      await agent.close();
      t.stop();
      await new Promise((r) => server.close(r));
    }
  });

  test('poolId: one per dispatcher, shared by its connections; a new Agent per request shows new ids', async () => {
    const t = collect({ filter: (o) => o === plain.origin });
    const shared = new Agent();
    try {
      // Concurrent requests force the shared Agent to open several connections.
      await Promise.all(Array.from({ length: 3 }, () => request(`${plain.origin}/?delay=30`, { dispatcher: shared }).then((r) => r.body.text())));
      for (let i = 0; i < 2; i++) {
        const once = new Agent();
        await (await request(`${plain.origin}/`, { dispatcher: once })).body.text();
        await once.close();
      }
      await until(() => t.requests.length === 5, 3000, 'five requests');
      const sharedIds = new Set(t.requests.slice(0, 3).map((r) => r.poolId));
      assert.ok(new Set(t.requests.slice(0, 3).map((r) => r.connectionId)).size > 1, 'several connections');
      assert.equal(sharedIds.size, 1);
      const onceIds = new Set(t.requests.slice(3).map((r) => r.poolId));
      assert.equal(onceIds.size, 2);
      assert.ok(![...onceIds].some((id) => sharedIds.has(id)));
      assert.ok(t.connections.every((c) => c.poolId !== undefined));
    } finally {
      await shared.close();
      t.stop();
    }
  });

  test('fetch: reuse on the global dispatcher, source fetch', async () => {
    const srv = await httpServer(delayed);
    const t = collect({ filter: (o) => o === srv.origin });
    try {
      await (await fetch(`${srv.origin}/one`)).text();
      await sleep(60);
      await (await fetch(`${srv.origin}/two`)).text();
      await until(() => t.requests.length === 2, 3000, 'two requests');
      assert.equal(srv.connections, 1);
      assert.deepEqual(t.requests.map((r) => r.source), ['fetch', 'fetch']);
      assert.deepEqual(t.requests.map((r) => r.reused), [false, true]);
      assert.ok(t.requests[1]!.idleBeforeMs! >= 50);
      assert.ok(t.tracer.poolSnapshot().some((s) => s.kind === 'undici' && s.origin === srv.origin), 'global dispatcher stats');
    } finally {
      t.stop();
      await srv.close();
    }
  });

  test('fetch with an undici dispatcher over TLS: resumption and Connection: close', async () => {
    const srv = await httpsServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('tls');
    });
    const t = collect();
    const dispatcher = new Agent({ connect: { ca: srv.chain.caPem } });
    try {
      for (let i = 0; i < 2; i++) await (await fetch(`https://localhost:${srv.port}/`, { dispatcher } as unknown as RequestInit)).text();
      await until(() => t.closes.length === 2 && t.requests.length === 2, 3000, 'two closes');
      assert.deepEqual(t.requests.map((r) => r.source), ['fetch', 'fetch']);
      assert.deepEqual(t.connections.map((c) => c.tls?.resumed), [false, true]);
      assert.ok(t.closes.every((c) => c.close?.reason === 'server-connection-close'));
    } finally {
      await dispatcher.close();
      t.stop();
      await srv.close();
    }
  });
});
