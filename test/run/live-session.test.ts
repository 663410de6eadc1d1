import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionRecord, RequestTrace } from '../../src/model/index.js';
import { LiveSession } from '../../src/run/live-session.js';
import { TopN } from '../../src/run/top-n.js';
import { RequestTally } from '../../src/trace/tally.js';

const req = (n: number, total: number, failed = false, source = 'undici'): RequestTrace =>
  ({
    id: `r${n}`,
    origin: 'http://127.0.0.1:1',
    method: 'GET',
    path: '/',
    source,
    startedAt: n,
    startedAtEpoch: n,
    phases: { total },
    reused: n % 2 === 0,
    status: failed ? undefined : 200,
    error: failed ? { code: 'ECONNRESET', message: 'reset', layer: 'tcp', onReusedSocket: true } : undefined,
  }) as RequestTrace;

const conn = (n: number): ConnectionRecord => ({ id: `c${n}`, origin: 'http://127.0.0.1:1', source: 'undici', requests: 1 }) as unknown as ConnectionRecord;

test('TopN keeps the largest items by key', () => {
  const top = new TopN<number>(3);
  for (const n of [5, 1, 9, 3, 7, 2, 8]) top.offer(n, n);
  assert.deepEqual(top.sorted(), [9, 8, 7]);
});

test('TopN.wouldKeep answers what offer() would do, room or not', () => {
  const top = new TopN<number>(3);
  // against a reference: keep everything while there is room, then only what beats the smallest kept
  const kept: number[] = [];
  for (const n of [4, 4, 2, 10, 3, 4, 11, 1, 5, 5, 12, 6]) {
    const reference = kept.length < 3 || n > Math.min(...kept);
    assert.equal(top.wouldKeep(n), reference, `wouldKeep(${n}) with ${JSON.stringify(kept)} kept`);
    top.offer(n, n);
    if (reference) {
      if (kept.length === 3) kept.splice(kept.indexOf(Math.min(...kept)), 1);
      kept.push(n);
    }
    assert.deepEqual(top.sorted(), [...kept].sort((a, b) => b - a));
  }
  assert.equal(new TopN<number>(0).wouldKeep(1), false);
});

test('LiveSession: totals are exact for every request while the kept traces stay bounded', () => {
  const live = new LiveSession({ keepRecent: 100, keepSlowest: 10, keepFailed: 20, keepClosed: 50 });
  const N = 200_000;
  for (let i = 0; i < N; i++) {
    // every 1000th request is failed, request 12,345 is the slowest by far
    live.addRequest(req(i, i === 12_345 ? 10_000 : (i % 97) / 10, i % 1000 === 0));
    if (i % 10 === 0) {
      live.addConnection(conn(i));
      live.closeConnection({ ...conn(i), close: { closedBy: 'server', reason: 'server-idle-timeout' } });
    }
  }
  const t = live.totalsNow().client;
  assert.equal(t.requests, N);
  assert.equal(t.failed, N / 1000);
  assert.equal(t.reused, N / 2);
  assert.equal(t.connectionsOpened, N / 10);
  assert.equal(t.connectionsClosed, N / 10);
  assert.equal(t.connectionsOpen, 0);
  assert.deepEqual(t.closes, { 'server:server-idle-timeout': N / 10 });
  assert.equal(t.duration?.count, N);
  assert.equal(live.totalsNow().server.requests, 0);
  const s = live.snapshot();
  assert.ok(s.requests.length <= 130, `kept ${s.requests.length} traces`);
  assert.ok(s.requests.some((r) => r.id === 'r12345'), 'the slowest request is kept long after it happened');
  assert.equal(s.requests.filter((r) => r.error).length, 20, 'the 20 most recent failures are kept');
  assert.ok(s.requests.some((r) => r.id === `r${N - 1}`), 'the most recent request is kept');
  assert.equal(s.connections.size, 50, 'only the last closed connections are kept');
});

test('LiveSession: a hostile peer cannot grow the status or error maps without bound', () => {
  const live = new LiveSession({ keepRecent: 1, keepSlowest: 1, keepFailed: 1 });
  for (let i = 0; i < 5000; i++) live.addRequest({ ...req(i, 1), status: 100 + i } as RequestTrace);
  assert.ok(Object.keys(live.totalsNow().client.status).length <= 200);
  assert.equal(live.totalsNow().client.requests, 5000);
});

test('LiveSession: the slowest counted requests are kept and reported as minimal traces, query cut', () => {
  const live = new LiveSession({ keepRecent: 5, keepSlowest: 3, keepFailed: 5 });
  const durations = [4, 9, 1, 30, 2, 7, 25, 3];
  durations.forEach((ms, i) => {
    const t = new RequestTally(i + 1, 'undici', 'http://127.0.0.1:1', 'GET', `/item/${i}?token=secret`, i);
    t.status = 200;
    t.durationMs = ms;
    t.done = true;
    live.count(t);
  });
  // a traced request slower than every counted one competes for the same places
  live.addRequest(req(100, 20));
  const s = live.snapshot();
  const slow = s.requests.map((r) => [r.id, r.phases.total, r.path]);
  assert.deepEqual(slow.sort((a, b) => (b[1] as number) - (a[1] as number)).slice(0, 3), [['r4', 30, '/item/3'], ['r7', 25, '/item/6'], ['r100', 20, '/']]);
  assert.ok(s.requests.every((r) => !r.path.includes('token')), 'a counted request\'s query never reaches a report');
  assert.equal(live.totalsNow().client.requests, durations.length + 1);
  assert.equal(live.totalsNow().client.duration?.max, 30);
});
