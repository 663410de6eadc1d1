import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { probe } from '../../src/probe/index.js';
import { instrument } from '../../src/trace/index.js';
import { httpServer } from '../helpers/servers.js';
import { rawServer } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

function get(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: 5000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
  });
}

test("the probe records only its own requests: the process's other traffic to the same origin stays out", { timeout: 15_000 }, async () => {
  const s = await httpServer((_req, res) => setTimeout(() => res.end('x'), 20));
  cleanups.push(s.close);
  // an application tracer running at the same time sees everything, the probe's requests included
  const appTracer = instrument({ eventLoop: false });
  let appTraced = 0;
  appTracer.on('request', () => appTraced++);
  const agent = new http.Agent({ keepAlive: false });
  try {
    const other = (async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(await get(`${s.origin}/other`, agent));
      return statuses;
    })();
    const r = await probe(`${s.origin}/`, { requests: 3 });
    assert.deepEqual(await other, [200, 200, 200, 200]);
    assert.equal(r.error, null);
    assert.equal(r.requests.length, 3);
    assert.deepEqual(r.requests.map((q) => q.path), ['/', '/', '/']);
    assert.deepEqual(r.requests.map((q) => q.reused), [false, true, true]);
    assert.equal(r.connections.length, 1, 'only the probe connection');
    assert.equal(r.connections[0]!.requests, 3);
    assert.ok(r.requests.every((q) => q.connectionId === r.connections[0]!.id));
    assert.equal(s.connections, 1 + 4, 'one probe connection, one per request of the other client');
    assert.equal(appTraced, 3 + 4);
  } finally {
    appTracer.stop();
    agent.destroy();
  }
});

test('a handshake that never completes: the time is charged to tls, the connection says why it closed', { timeout: 15_000 }, async () => {
  const s = await rawServer(() => undefined);
  cleanups.push(s.close);
  const r = await probe(`https://127.0.0.1:${s.port}/`, { connectTimeoutMs: 400, requests: 1 });
  assert.equal(r.error?.code, 'CONNSCOPE_ERR_TIMEOUT');
  const q = r.requests[0]!;
  assert.ok(q.phases.connect !== undefined, 'TCP connected');
  assert.ok(q.phases.tls! >= 300, `tls ${q.phases.tls}`);
  assert.equal(q.phases.wait, undefined);
  assert.equal(q.phases.send, undefined);
  assert.equal(r.connections.length, 1);
  assert.equal(r.connections[0]!.close?.reason, 'error:CONNSCOPE_ERR_TIMEOUT');
});

test('a request refused at connect: the error and its phase come from one record', { timeout: 15_000 }, async () => {
  const s = await rawServer(() => undefined);
  const port = s.port;
  await s.close();
  const r = await probe(`http://127.0.0.1:${port}/`, { requests: 1 });
  assert.equal(r.error?.code, 'CONNSCOPE_ERR_CONNECT');
  const q = r.requests[0]!;
  assert.equal(q.error?.code, 'CONNSCOPE_ERR_CONNECT');
  assert.ok(q.phases.connect !== undefined);
  assert.equal(q.phases.wait, undefined);
  assert.equal(q.reused, false);
});
