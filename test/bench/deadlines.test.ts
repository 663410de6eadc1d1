import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { bench } from '../../src/bench/run.js';
import { DeadlineWatch, type Deadlined } from '../../src/bench/engines/deadlines.js';
import { httpServer } from '../helpers/servers.js';

// never answers
const silent = await httpServer(() => undefined);
// headers and a first chunk, then nothing
const stalls = await httpServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('first');
});
// slow, but every step within the deadline: headers after 100 ms, then a chunk every 100 ms for 600 ms
const trickles = await httpServer((_req, res) => {
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    const t = setInterval(() => {
      res.write('x');
      if (++n === 6) {
        clearInterval(t);
        res.end();
      }
    }, 100);
    res.on('close', () => clearInterval(t));
  }, 100);
});
after(() => Promise.all([silent.close(), stalls.close(), trickles.close()]));

function item(since: number, expired: Deadlined[]): Deadlined {
  const d: Deadlined = { slot: -1, since, expire: () => expired.push(d) };
  return d;
}

test('DeadlineWatch expires exactly the items idle for the timeout, whatever their order in the list', () => {
  const w = new DeadlineWatch(1000);
  try {
    const expired: Deadlined[] = [];
    const items = [item(0, expired), item(500, expired), item(100, expired), item(900, expired), item(50, expired)];
    for (const d of items) w.watch(d);
    w.watch(items[0]!); // watching twice is a no-op
    assert.equal(w.size, 5);
    w.unwatch(items[1]!);
    w.unwatch(items[1]!);
    assert.equal(w.size, 4);
    w.sweep(1060);
    assert.deepEqual(expired.map((d) => d.since).sort((a, b) => a - b), [0, 50]);
    assert.equal(w.size, 2);
    // an expired item can be watched again with fresh progress
    expired[0]!.since = 1060;
    w.watch(expired[0]!);
    w.sweep(1950);
    assert.deepEqual(expired.map((d) => d.since).slice(2).sort((a, b) => a - b), [100, 900]);
    assert.equal(w.size, 1);
  } finally {
    w.stop();
  }
});

test('undici: a server that never answers fails each request after --timeout with a headers timeout, not sooner', { timeout: 20_000 }, async () => {
  const r = await bench({ url: `${silent.origin}/`, client: 'undici', concurrency: 2, durationMs: 1500, timeoutMs: 300 });
  const s = r.stats;
  assert.ok((s.errorsByCode['UND_ERR_HEADERS_TIMEOUT'] ?? 0) >= 2, JSON.stringify(s.errorsByCode));
  assert.equal(s.errors, s.requests);
  assert.ok(s.latency && s.latency.min >= 295, `min ${s.latency?.min}`);
  // one sweep tick (timeout/8) late at most, plus a generous margin for a busy machine
  assert.ok(s.latency && s.latency.p50 < 1000, `p50 ${s.latency?.p50}`);
});

test('undici: a body that stops arriving fails with a body timeout', { timeout: 20_000 }, async () => {
  const r = await bench({ url: `${stalls.origin}/`, client: 'undici', concurrency: 1, durationMs: 1200, timeoutMs: 300 });
  assert.ok((r.stats.errorsByCode['UND_ERR_BODY_TIMEOUT'] ?? 0) >= 1, JSON.stringify(r.stats.errorsByCode));
  assert.equal(r.stats.errorsByCode['UND_ERR_HEADERS_TIMEOUT'], undefined);
});

test('undici: the deadline is per step (headers, then between chunks), as undici applies it: a slow trickle within it succeeds', { timeout: 20_000 }, async () => {
  const r = await bench({ url: `${trickles.origin}/`, client: 'undici', concurrency: 2, requests: 4, timeoutMs: 400 });
  assert.equal(r.stats.errors, 0, JSON.stringify(r.stats.errorsByCode));
  assert.equal(r.stats.requests, 4);
  assert.ok(r.stats.latency && r.stats.latency.min >= 600, `min ${r.stats.latency?.min}`);
});
