import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Pool } from 'undici';
import { instrument } from '../../src/trace/index.js';
import { OptionError } from '../../src/errors.js';
import { httpServer, type Served } from '../helpers/servers.js';
import { collect, phasesConsistent, sleep, until } from './collect.js';
import { get } from './httpget.js';

const WORKERS = 4;
const PER_WORKER = 50;
const TOTAL = WORKERS * PER_WORKER;

/** Runs `worker` on WORKERS concurrent loops of PER_WORKER requests each. */
async function load(one: () => Promise<unknown>): Promise<void> {
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      for (let i = 0; i < PER_WORKER; i++) await one();
    }),
  );
}

describe('tracer: sampleRate', { timeout: 30_000 }, () => {
  let plain: Served<http.Server>;
  before(async () => {
    plain = await httpServer((_req, res) => res.end('ok'));
  });
  after(() => plain.close());

  test('node:http: connections and their request counts stay exact, reused-socket requests are sampled', async () => {
    const t = collect({ sampleRate: 0.2 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
    try {
      const before = plain.connections;
      await load(() => get(`${plain.origin}/s`, { agent }));
      agent.destroy();
      await until(() => t.closes.length === plain.connections - before, 3000, 'every connection closed');
      const opened = plain.connections - before;
      assert.equal(t.connections.length, opened, 'every connection the server saw is reported');
      assert.equal(t.closes.reduce((n, c) => n + c.requests, 0), TOTAL, 'request counts on connections are exact');
      for (const c of t.closes) assert.deepEqual(c.close, { closedBy: 'client', reason: 'pool-closed' });
      // The request that opened each connection is always traced; a fifth of the rest, loosely.
      const firsts = t.requests.filter((r) => r.requestIndexOnConnection === 1);
      assert.equal(firsts.length, opened);
      const sampled = t.requests.length - opened;
      assert.ok(sampled >= 10 && sampled <= 80, `sampled ${sampled} of ${TOTAL - opened} reused-socket requests`);
      for (const r of t.requests) assert.ok(phasesConsistent(r), JSON.stringify(r.phases));
      assert.ok(t.requests.filter((r) => r.reused).every((r) => r.requestIndexOnConnection! > 1 && r.phases.connect === undefined));
      assert.deepEqual(t.diagnostics, []);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('undici: sampleRate 0 traces no request yet reports connections with exact counts', async () => {
    const t = collect({ sampleRate: 0 });
    const pool = new Pool(plain.origin, { connections: WORKERS });
    try {
      const before = plain.connections;
      await load(async () => (await pool.request({ path: '/u', method: 'GET' })).body.dump());
      await pool.close();
      await until(() => t.closes.length === plain.connections - before, 3000, 'every connection closed');
      assert.equal(t.requests.length, 0);
      assert.equal(t.connections.length, plain.connections - before);
      assert.equal(t.closes.reduce((n, c) => n + c.requests, 0), TOTAL);
      assert.deepEqual(t.tracer.inflight(), []);
    } finally {
      await pool.destroy().catch(() => {});
      t.stop();
    }
  });

  test('undici: a sample of requests is traced with consistent phases', async () => {
    const t = collect({ sampleRate: 0.3 });
    const pool = new Pool(plain.origin, { connections: WORKERS });
    try {
      await load(async () => (await pool.request({ path: '/u', method: 'GET' })).body.dump());
      await until(() => t.requests.length > 0, 3000, 'some request events');
      await sleep(20);
      assert.ok(t.requests.length >= 30 && t.requests.length <= 100, `traced ${t.requests.length} of ${TOTAL}`);
      for (const r of t.requests) {
        assert.ok(phasesConsistent(r), JSON.stringify(r.phases));
        assert.equal(r.status, 200);
        assert.ok(r.requestIndexOnConnection! >= 1);
      }
    } finally {
      await pool.destroy().catch(() => {});
      t.stop();
    }
  });

  test('a sampleRate outside 0..1 is refused when instrument() is called, naming the option key', () => {
    for (const bad of [-0.1, 1.5, Number.NaN, '0.5' as unknown as number]) {
      assert.throws(() => instrument({ sampleRate: bad }), (err: unknown) =>
        err instanceof OptionError && err.option === 'sampleRate' && err.code === 'CONNSCOPE_ERR_USAGE' && err.message === `invalid sampleRate '${String(bad)}' (expected a number from 0 to 1)`);
    }
  });
});

describe('tracer: close reasons when a node:http Agent is destroyed', { timeout: 30_000 }, () => {
  let slow: Served<http.Server>;
  before(async () => {
    slow = await httpServer((req, res) => {
      if (req.url === '/hang') return; // never answers: the request is in flight when the agent goes
      res.end('ok');
    });
  });
  after(() => slow.close());

  test('destroying the agent from the response end handler closes an idle socket as pool-closed', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true });
    try {
      await new Promise<void>((resolve, reject) => {
        const req = http.get(`${slow.origin}/`, { agent }, (res) => {
          res.resume();
          res.on('end', () => {
            agent.destroy();
            resolve();
          });
        });
        req.setTimeout(5000, () => req.destroy(new Error('deadline')));
        req.on('error', reject);
      });
      await until(() => t.closes.length === 1, 3000, 'the close');
      assert.deepEqual(t.closes[0]!.close, { closedBy: 'client', reason: 'pool-closed' });
      assert.equal(t.requests.length, 1);
      assert.equal(t.requests[0]!.error, undefined);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('destroying the agent under a request in flight is pool-closed too; the request ends with an error', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true });
    try {
      const failed = new Promise<void>((resolve) => {
        const req = http.get(`${slow.origin}/hang`, { agent });
        req.on('error', () => resolve());
        req.on('close', () => resolve());
      });
      await until(() => t.connections.length === 1, 3000, 'the connection');
      await sleep(20);
      agent.destroy();
      await failed;
      await until(() => t.closes.length === 1 && t.requests.length === 1, 3000, 'the close and the request');
      assert.deepEqual(t.closes[0]!.close, { closedBy: 'client', reason: 'pool-closed' });
      assert.ok(t.requests[0]!.error, 'the in-flight request failed');
      assert.equal(t.requests[0]!.status, undefined);
    } finally {
      agent.destroy();
      t.stop();
    }
  });
});
