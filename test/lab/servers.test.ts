import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Pool } from 'undici';
import { okHandler, startHttpServer, track } from '../../src/lab/servers.js';
import { startLbProxy } from '../../src/lab/lb-proxy.js';
import { startPipelineServer } from '../../src/lab/pipeline-server.js';
import { measureIdleTimeout, raceGaps } from '../../src/lab/idle-timeout.js';
import { improved } from '../../src/lab/runner.js';
import type { RunMetrics } from '../../src/lab/metrics.js';

const opts = { timeout: 15_000 };

test('hint: false removes the Keep-Alive hint, the default keeps it', opts, async () => {
  for (const hint of [true, false]) {
    const s = await startHttpServer(okHandler(), { keepAliveTimeout: 2000, hint });
    try {
      const res = await fetch(s.origin);
      await res.text();
      assert.equal(res.headers.get('keep-alive'), hint ? 'timeout=2' : null);
      assert.equal(s.requests, 1);
    } finally {
      await s.close();
    }
  }
});

test('measureIdleTimeout sees the server close an idle connection (at or after keepAliveTimeout)', opts, async () => {
  const s = await startHttpServer(okHandler(), { keepAliveTimeout: 300 });
  try {
    const ms = await measureIdleTimeout('127.0.0.1', s.port, 4000);
    assert.ok(ms !== undefined && ms >= 250 && ms <= 3000, `measured ${ms}`);
    const never = await startHttpServer(okHandler(), { keepAliveTimeout: 0 });
    try {
      assert.equal(await measureIdleTimeout('127.0.0.1', never.port, 300), undefined);
    } finally {
      await never.close();
    }
  } finally {
    await s.close();
  }
  assert.deepEqual(raceGaps(2000, 150, 2), [0, 200, 1850, 200, 1850]);
});

test('the pipeline server answers N requests of a pipelined burst, then closes without Connection: close', opts, async () => {
  const s = await startPipelineServer({ closeAfter: 2 });
  try {
    const socket = net.connect(s.port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    assert.equal(got.match(/HTTP\/1\.1 200/g)?.length, 2);
    assert.doesNotMatch(got, /connection: close/i);
    assert.equal(s.requests, 2);
  } finally {
    await s.close();
  }
});

test('the load-balancer proxy answers 502 when its upstream socket fails, and passes answers through', opts, async () => {
  // an upstream that accepts and resets every connection, as a server closing under a reused socket does
  const broken = await track(net.createServer((sock) => sock.resetAndDestroy()), 'http', 'connection');
  const good = await startHttpServer(okHandler());
  const lbBroken = await startLbProxy({ upstream: broken.origin, idleTimeoutMs: 10_000 });
  const lbGood = await startLbProxy({ upstream: good.origin, idleTimeoutMs: 10_000 });
  const pool = new Pool(lbBroken.origin);
  const pool2 = new Pool(lbGood.origin);
  try {
    const bad = await pool.request({ path: '/', method: 'GET' });
    assert.equal(bad.statusCode, 502);
    await bad.body.dump();
    assert.equal(lbBroken.badGateways, 1);
    const ok = await pool2.request({ path: '/', method: 'GET' });
    assert.equal(ok.statusCode, 200);
    assert.equal(await ok.body.text(), 'ok');
    assert.equal(lbGood.badGateways, 0);
  } finally {
    await pool.destroy();
    await pool2.destroy();
    await Promise.all([lbBroken.close(), lbGood.close(), broken.close(), good.close()]);
  }
});

test('improved(): counts need a strict drop, timings their margin', () => {
  const m = (v: Partial<RunMetrics>): RunMetrics => ({ failures: 0, p99: null, ...v }) as RunMetrics;
  assert.equal(improved({ key: 'failures', better: 'lower' }, m({ failures: 2 }), m({ failures: 0 })), true);
  assert.equal(improved({ key: 'failures', better: 'lower' }, m({ failures: 0 }), m({ failures: 0 })), false);
  assert.equal(improved({ key: 'p99', better: 'lower', minImprovement: 0.3 }, m({ p99: 100 }), m({ p99: 80 })), false);
  assert.equal(improved({ key: 'p99', better: 'lower', minImprovement: 0.3 }, m({ p99: 100 }), m({ p99: 50 })), true);
  assert.equal(improved({ key: 'p99', better: 'lower' }, m({ p99: null }), m({ p99: 1 })), false);
});
