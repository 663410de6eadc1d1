import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import dc from 'node:diagnostics_channel';
import { createHash, randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { httpServer, type Served } from '../helpers/servers.js';
import { instrument } from '../../src/trace/index.js';
import { collect, sleep, until } from './collect.js';
import { get } from './httpget.js';

const BIG = randomBytes(1024 * 1024);
const BIG_SHA = createHash('sha256').update(BIG).digest('hex');

describe('tracer: safety', { timeout: 30_000 }, () => {
  let srv: Served<http.Server>;
  before(async () => {
    srv = await httpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/big') return void res.end(BIG);
      if (url.pathname === '/cut') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      const delay = Number(url.searchParams.get('delay') ?? 0);
      setTimeout(() => res.end('ok'), delay);
    });
  });
  after(() => srv.close());

  test('stop() unsubscribes and unpatches: no events afterwards', async () => {
    const proto = http.Agent.prototype as unknown as { addRequest: unknown };
    const original = proto.addRequest;
    const t = collect();
    assert.ok(dc.channel('undici:request:create').hasSubscribers);
    assert.ok(dc.channel('http.client.request.start').hasSubscribers);
    t.stop();
    t.stop();
    assert.equal(t.tracer.active, false);
    assert.equal(dc.channel('undici:request:create').hasSubscribers, false);
    assert.equal(dc.channel('http.client.request.start').hasSubscribers, false);
    assert.equal(proto.addRequest, original);
    const agent = new http.Agent({ keepAlive: true });
    const pool = new Pool(srv.origin);
    try {
      await get(`${srv.origin}/`, { agent });
      await (await pool.request({ path: '/', method: 'GET' })).body.text();
      await sleep(20);
      assert.equal(t.requests.length + t.connections.length + t.closes.length, 0);
    } finally {
      agent.destroy();
      await pool.close();
    }
  });

  test('instrument/stop cycles over long-lived sockets do not pile up listeners', async () => {
    const agent = new http.Agent({ keepAlive: true });
    const pool = new Pool(srv.origin, { connections: 1 });
    try {
      let socket: import('node:net').Socket | undefined;
      for (let i = 0; i < 12; i++) {
        const t = collect();
        const req = http.get(`${srv.origin}/`, { agent }, (res) => res.resume());
        req.on('socket', (s) => (socket = s));
        await new Promise((r) => req.on('close', r));
        await (await pool.request({ path: '/', method: 'GET' })).body.text();
        await until(() => t.requests.length === 2, 3000, 'two requests');
        t.stop();
      }
      assert.ok(socket && socket.listenerCount('close') < 5, `close listeners: ${socket?.listenerCount('close')}`);
      assert.equal(srv.connections > 0, true);
    } finally {
      agent.destroy();
      await pool.close();
    }
  });

  test('a listener that throws becomes a diagnostic, never a host exception', async () => {
    const tracer = instrument();
    const diagnostics: string[] = [];
    tracer.on('diagnostic', (d) => diagnostics.push(d.where));
    tracer.on('request', () => {
      throw new Error('consumer bug');
    });
    tracer.on('connection', () => {
      throw new Error('consumer bug');
    });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const agent = new http.Agent({ keepAlive: true });
    try {
      const r = await get(`${srv.origin}/`, { agent });
      assert.equal(r.body, 'ok');
      await until(() => diagnostics.includes('listener:request'), 3000, 'diagnostic');
      assert.ok(diagnostics.includes('listener:connection'));
      assert.equal(uncaught.length, 0);
    } finally {
      process.off('uncaughtException', onUncaught);
      agent.destroy();
      tracer.stop();
    }
  });

  test('a filter that throws is reported and the request is simply not traced', async () => {
    const t = collect({
      filter: () => {
        throw new Error('bad filter');
      },
    });
    try {
      const r = await get(`${srv.origin}/`);
      assert.equal(r.body, 'ok');
      await sleep(10);
      assert.equal(t.requests.length, 0);
      assert.ok(t.diagnostics.some((d) => d.where === 'filter'));
    } finally {
      http.globalAgent.destroy();
      t.stop();
    }
  });

  test('bodies arrive intact with the tracer on (http, undici, fetch)', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true });
    const pool = new Pool(srv.origin);
    try {
      const viaHttp = await new Promise<Buffer>((resolve, reject) => {
        http.get(`${srv.origin}/big`, { agent }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => resolve(Buffer.concat(parts)));
        }).on('error', reject);
      });
      const viaUndici = Buffer.from(await (await pool.request({ path: '/big', method: 'GET' })).body.arrayBuffer());
      const viaFetch = Buffer.from(await (await fetch(`${srv.origin}/big`)).arrayBuffer());
      for (const b of [viaHttp, viaUndici, viaFetch]) assert.equal(createHash('sha256').update(b).digest('hex'), BIG_SHA);
      await until(() => t.requests.filter((r) => r.path === '/big').length === 3, 3000, 'three traced');
      assert.ok(t.requests.every((r) => r.phases.receive !== undefined));
    } finally {
      agent.destroy();
      await pool.close();
      t.stop();
    }
  });

  test('a response nobody listens for is still dumped by Node, freeing the socket', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const before = srv.connections;
    try {
      // No 'response' listener: Node reads and discards the body. A tracer 'response' listener
      // would stop that and the next request would wait forever for the only socket.
      http.get(`${srv.origin}/big`, { agent }).on('error', () => {});
      const r = await get(`${srv.origin}/`, { agent }, 3000);
      assert.equal(r.body, 'ok');
      assert.equal(srv.connections - before, 1, 'one socket served both');
      await until(() => t.requests.length === 2, 3000, 'two requests');
      // Node leaves req.reusedSocket false for a queued request handed a freed socket; the tracer knows.
      assert.deepEqual(t.requests.map((x) => x.reused), [false, true]);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('a response cut off mid-body is reported as a failed request, not left in flight', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true });
    try {
      await new Promise<void>((resolve) => {
        http.get(`${srv.origin}/cut`, { agent }, (res) => {
          res.resume();
          res.on('close', () => resolve());
          res.on('error', () => {});
        }).on('error', () => resolve());
      });
      await until(() => t.requests.length === 1, 3000, 'request');
      const r = t.requests[0]!;
      assert.ok(r.error, 'error recorded');
      assert.equal(r.status, 200);
      assert.ok(r.phases.receive !== undefined && r.phases.receive >= 10);
      assert.equal(t.tracer.inflight().length, 0);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('inflight() shows a response whose body is not read as receiving', async () => {
    const t = collect();
    const pool = new Pool(srv.origin);
    try {
      const res = await pool.request({ path: '/big', method: 'GET' });
      await sleep(30);
      const open = t.tracer.inflight().filter((r) => r.origin === srv.origin);
      assert.equal(open.length, 1);
      assert.equal(open[0]!.state, 'receiving');
      assert.ok(open[0]!.sinceHeadersMs! >= 20);
      assert.ok(open[0]!.connectionId);
      await res.body.dump();
      await until(() => t.tracer.inflight().length === 0, 3000, 'inflight drained');
    } finally {
      await pool.close();
      t.stop();
    }
  });

  test('a wait that overlapped a blocked event loop is marked', async () => {
    const t = collect({ eventLoopBlockedMs: 50 });
    const agent = new http.Agent({ keepAlive: true });
    try {
      await sleep(30);
      await get(`${srv.origin}/calm?delay=60`, { agent });
      const p = get(`${srv.origin}/blocked?delay=20`, { agent });
      await sleep(5);
      const end = Date.now() + 150;
      while (Date.now() < end) {
        // Busy: the event loop is blocked while the request waits for its response.
      }
      await p;
      await until(() => t.requests.length === 2, 3000, 'two requests');
      const blocked = t.requests.find((r) => r.path === '/blocked')!;
      assert.equal(blocked.eventLoopBlocked, true);
      assert.ok(blocked.eventLoopDelayMs! >= 100, `delay ${blocked.eventLoopDelayMs}`);
      assert.ok(t.tracer.eventLoopMaxLagMs() >= 100);
      const calm = t.requests.find((r) => r.path === '/calm')!;
      assert.equal(calm.eventLoopBlocked, false);
    } finally {
      agent.destroy();
      t.stop();
    }
  });
});
