import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { bench } from '../../src/bench/run.js';
import { benchMatrix, parseMatrix, combinations } from '../../src/bench/matrix.js';
import { UsageError } from '../../src/errors.js';
import { httpServer } from '../helpers/servers.js';

const served = await httpServer((_req, res) => res.end('ok'));
after(() => served.close());

test('matrix specs parse into axes and every combination', () => {
  const axes = parseMatrix('connections=5,50 idle-timeout=1s,30s keepalive=on,off');
  assert.deepEqual(axes.map((a) => a.key), ['connections', 'idle-timeout', 'keepalive']);
  const combos = combinations(axes);
  assert.equal(combos.length, 8);
  assert.deepEqual(combos[0], { connections: '5', 'idle-timeout': '1s', keepalive: 'on' });
  assert.deepEqual(combos[7], { connections: '50', 'idle-timeout': '30s', keepalive: 'off' });
});

test('bad matrix specs are usage errors', async () => {
  for (const bad of ['', 'connections', 'colour=red', 'connections=1,,2', 'connections=1 connections=2', 'keepalive=maybe', 'connections=0', 'idle-timeout=soon', 'connections=1,2,3,4,5,6,7,8,9 pipelining=1,2,3,4,5,6,7,8']) {
    await assert.rejects(benchMatrix({ url: `${served.origin}/`, requests: 1 }, bad), UsageError, bad);
  }
});

test('a matrix has one row per combination and agrees with single runs of the same settings', { timeout: 30_000 }, async () => {
  const base = { url: `${served.origin}/`, client: 'undici' as const, concurrency: 4, requests: 40 };
  const m = await benchMatrix(base, 'connections=1,4 keepalive=on,off');
  assert.equal(m.rows.length, 4);
  assert.deepEqual(m.rows.map((r) => r.label), ['connections=1 keepalive=on', 'connections=1 keepalive=off', 'connections=4 keepalive=on', 'connections=4 keepalive=off']);
  const expectOpened = [1, 40, 4, 40];
  m.rows.forEach((row, i) => {
    assert.equal(row.result.stats.requests, 40);
    assert.equal(row.result.stats.connectionsOpened, expectOpened[i], row.label);
  });
  for (const [i, connections, keepAlive] of [[0, 1, true], [3, 4, false]] as const) {
    const single = await bench({ ...base, connections, keepAlive });
    assert.equal(single.stats.connectionsOpened, m.rows[i]!.result.stats.connectionsOpened);
    assert.equal(single.stats.reuseRate, m.rows[i]!.result.stats.reuseRate);
  }
});
