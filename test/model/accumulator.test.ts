import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsAccumulator, resumptionEarlyLate } from '../../src/model/accumulator.js';
import type { ConnectionRecord } from '../../src/model/connection.js';
import type { RequestTrace } from '../../src/model/request.js';
import { Session } from '../../src/model/session.js';

function conn(id: string, requests: number, o: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return { id, origin: 'https://a:1', source: 'http', protocol: 'http/1.1', openedAt: 0, openedAtEpoch: 0, establishment: { total: 3, connect: 1, tls: 2 }, requests, idle: { count: 0, totalMs: 0, maxMs: 0, recent: [] }, ...o };
}

function req(i: number, o: Partial<RequestTrace> = {}): RequestTrace {
  return { id: `r${i}`, origin: 'https://a:1', method: 'GET', path: '/', source: 'http', startedAt: i, startedAtEpoch: 0, reused: i > 0, requestIndexOnConnection: i + 1, phases: { blocked: 2, wait: 6, total: 10 }, ...o };
}

test('derived figures: reuse rate, requests per connection, blocked share, handshakes split full/resumed', () => {
  const acc = new StatsAccumulator();
  acc.addConnection(conn('c1', 3, { tls: { version: 'TLSv1.3', cipher: 'x', alpn: false, resumed: false }, establishment: { total: 30, tls: 20 } }));
  acc.addConnection(conn('c2', 1, { tls: { version: 'TLSv1.3', cipher: 'x', alpn: false, resumed: true }, establishment: { total: 8, tls: 4 }, close: { closedBy: 'server', reason: 'server-idle-timeout' } }));
  for (let i = 0; i < 4; i++) acc.addRequest(req(i));
  const s = acc.sessionStats();
  assert.equal(s.reuseRate, 3 / 4);
  assert.deepEqual(s.requestsPerConnection, { mean: 2, max: 3 });
  assert.equal(s.blockedShare, 8 / 40);
  assert.deepEqual(s.handshakes, { full: 1, resumed: 1 });
  assert.equal(s.handshakeMs.full?.p50, 20);
  assert.equal(s.handshakeMs.resumed?.p50, 4);
  assert.deepEqual(s.closes, { 'server:server-idle-timeout': 1 });
  assert.equal(s.phases.wait?.count, 4);
  assert.equal(s.phases.total?.p999, 10);
  assert.equal(acc.establishment('tls')?.count, 2);
});

test('blocked share is own time: the stall inside blocked and inside the total is taken out', () => {
  const acc = new StatsAccumulator();
  // 100 ms blocked of which 90 ms was the process's own stalled loop: 10 ms own blocked over 110 − 90 ms own total
  acc.addRequest(req(0, { phases: { blocked: 100, wait: 10, total: 110 }, stalls: { blocked: 90 } }));
  assert.equal(acc.blockedShare(), 10 / 20);
  // queue time a client measured that its records do not show counts as blocked, not as more total
  acc.addUnseenBlocked(5);
  assert.equal(acc.blockedShare(), 15 / 20);
});

test('a load run: connections open before they serve, reused successes counted without records; merge adds up', () => {
  const a = new StatsAccumulator({ phases: ['blocked', 'wait'] });
  a.connectionOpened(conn('c1', 0));
  a.addRequest(req(0));
  for (let i = 1; i < 100; i++) a.addReusedOk(2, 6, 10, i + 1);
  a.connectionClosed(conn('c1', 100, { close: { closedBy: 'client', reason: 'pool-closed' } }));
  assert.deepEqual(a.requestsPerConnection(), { mean: 100, max: 100 });
  assert.equal(a.reuseRate(), 99 / 100);
  assert.equal(a.phase('blocked')?.count, 100);
  assert.equal(a.phase('total'), undefined, 'not kept');
  const b = new StatsAccumulator({ phases: ['blocked', 'wait'] });
  b.connectionOpened(conn('c2', 0));
  b.addRequest(req(0, { phases: { blocked: 40, wait: 50, total: 100 }, error: { code: 'ECONNRESET', message: 'x', layer: 'tcp', onReusedSocket: false }, reused: true }));
  a.merge(b);
  assert.equal(a.requests, 101);
  assert.equal(a.connections, 2);
  assert.equal(a.errorsOnReusedSockets, 1);
  assert.equal(a.phase('blocked')?.max, 40);
  assert.equal(a.blockedShare(), (200 + 40) / (1000 + 100));
  assert.deepEqual(a.closes(), { 'client:pool-closed': 1 });
});

test('Session.stats() reads the totals a source set, else its kept records', () => {
  const session = new Session({ maxRequests: 2 });
  session.addConnection(conn('c1', 5));
  for (let i = 0; i < 5; i++) session.addRequest(req(i));
  assert.equal(session.stats().requests, 2, 'the kept records');
  const totals = new StatsAccumulator();
  for (let i = 0; i < 5; i++) totals.addRequest(req(i));
  session.totals = totals;
  assert.equal(session.stats().requests, 5);
});

test('resumption early/late: thirds of the handshakes after the first', () => {
  assert.equal(resumptionEarlyLate([false, true, true, true, true, true]), undefined);
  const r = resumptionEarlyLate([false, false, false, true, true, true, true]);
  assert.deepEqual(r, { early: 0, late: 1, handshakes: 6 });
});
