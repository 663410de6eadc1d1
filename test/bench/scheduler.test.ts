import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { bench } from '../../src/bench/run.js';
import { httpServer } from '../helpers/servers.js';

let stallAt = 0;
let stalled = false;
const served = await httpServer((_req, res) => {
  // one 400 ms stall, once the run is under way
  if (!stalled && stallAt && Date.now() >= stallAt) {
    stalled = true;
    setTimeout(() => res.end('late'), 400);
    return;
  }
  res.end('ok');
});
after(() => served.close());

test('open model: one stalled response shows in the percentiles of every request due during the stall', { timeout: 20_000 }, async () => {
  stalled = false;
  stallAt = Date.now() + 300;
  const r = await bench({ url: `${served.origin}/`, client: 'raw', concurrency: 1, rate: 50, durationMs: 1200 });
  assert.ok(stalled, 'the stall happened');
  assert.equal(r.stats.errors, 0);
  // about 20 of ~60 requests were due while the single connection was stuck: they waited too
  assert.ok(r.stats.requests >= 40 && r.stats.requests <= 61, `requests ${r.stats.requests}`);
  assert.ok(r.stats.latency!.p90 >= 100, `p90 ${r.stats.latency!.p90}`);
  assert.ok(r.stats.latency!.max >= 350, `max ${r.stats.latency!.max}`);
});

test('closed model: the same stall is one slow request (what the open model corrects for)', { timeout: 20_000 }, async () => {
  stalled = false;
  stallAt = Date.now() + 300;
  const r = await bench({ url: `${served.origin}/`, client: 'raw', concurrency: 1, durationMs: 1200 });
  assert.ok(stalled);
  assert.ok(r.stats.latency!.max >= 350);
  assert.ok(r.stats.latency!.p90 < 100, `p90 ${r.stats.latency!.p90}`);
});

test('the open model keeps its rate without exceeding it', { timeout: 20_000 }, async () => {
  const r = await bench({ url: `${served.origin}/`, client: 'undici', concurrency: 4, rate: 200, durationMs: 1000 });
  // never above the rate (the claim); the floor is loose because a busy machine delays the sends
  assert.ok(r.stats.requests <= 201, `requests ${r.stats.requests}`);
  assert.ok(r.stats.requests >= 100, `requests ${r.stats.requests}`);
});

test('-n bounds the run by count; warm-up requests are not counted', { timeout: 20_000 }, async () => {
  const r = await bench({ url: `${served.origin}/`, client: 'undici', concurrency: 3, requests: 77, warmupMs: 200 });
  assert.equal(r.stats.requests, 77);
  assert.ok(r.warmup && r.warmup.requests > 0);
  // the pool was warmed: the measured part opened no new connection
  assert.equal(r.stats.connectionsOpened, 0);
  assert.equal(r.stats.reuseRate, 1);
});

test('an aborted run returns its partial numbers', { timeout: 20_000 }, async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const started = Date.now();
  const r = await bench({ url: `${served.origin}/`, client: 'raw', concurrency: 2, durationMs: 10_000, signal: ac.signal });
  assert.ok(Date.now() - started < 3000);
  assert.equal(r.aborted, true);
  assert.ok(r.stats.requests > 0);
});

test('progress is reported while the run goes', { timeout: 20_000 }, async () => {
  const seen: number[] = [];
  await bench({ url: `${served.origin}/`, client: 'raw', concurrency: 2, durationMs: 700, progressIntervalMs: 100, onProgress: (p) => seen.push(p.requests) });
  assert.ok(seen.length >= 4, `${seen.length} updates`);
  assert.ok(seen[seen.length - 1]! > seen[0]!);
});
