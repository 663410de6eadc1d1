import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../src/diagnose/index.js';
import { Session } from '../../src/model/session.js';
import type { ConnectionRecord } from '../../src/model/connection.js';

const ids = (s: Session): string[] => diagnose(s).map((f) => f.id);
const series = (open: number[], inflight: number[]) => open.map((o, i) => ({ atMs: i * 1000, open: o, inflight: inflight[i]! }));

test('sockets-growing: rising sockets with flat concurrency fire; sockets that follow concurrency do not', () => {
  const leak = new Session();
  leak.facts.socketSamples = { 'http://a:1': series([2, 3, 5, 8, 11, 14], [1, 1, 2, 1, 1, 2]) };
  const f = diagnose(leak).find((x) => x.id === 'sockets-growing');
  assert.ok(f);
  assert.deepEqual([f.evidence.openStart, f.evidence.openEnd, f.evidence.inflightStart, f.evidence.inflightEnd], [2, 11, 1, 2]);

  const load = new Session();
  load.facts.socketSamples = { 'http://a:1': series([2, 3, 5, 8, 11, 14], [2, 3, 5, 8, 11, 14]) };
  assert.ok(!ids(load).includes('sockets-growing'));

  const small = new Session();
  small.facts.socketSamples = { 'http://a:1': series([1, 2, 3, 4], [0, 0, 0, 0]) };
  assert.ok(!ids(small).includes('sockets-growing'), 'growth below 5 is noise');

  const blip = new Session();
  blip.facts.socketSamples = { 'http://a:1': series([2, 2, 20, 2, 2, 2], [0, 0, 0, 0, 0, 0]) };
  assert.ok(!ids(blip).includes('sockets-growing'), 'one spike is not a trend');
});

test('pool-per-request: needs many pools and about one per request; server records are ignored', () => {
  const conn = (id: string, poolId: string, source: ConnectionRecord['source'] = 'http'): ConnectionRecord => ({
    id, origin: 'http://a:1', source, poolId, protocol: 'http/1.1', openedAt: 0, openedAtEpoch: 0, establishment: { total: 0 }, requests: 1,
    idle: { count: 0, totalMs: 0, maxMs: 0, recent: [] },
  });
  const two = new Session();
  for (let i = 0; i < 10; i++) two.addConnection(conn(`c${i}`, `agent#${i % 2}`));
  assert.ok(!ids(two).includes('pool-per-request'));

  const server = new Session();
  for (let i = 0; i < 10; i++) server.addConnection(conn(`s${i}`, `x#${i}`, 'server'));
  assert.ok(!ids(server).includes('pool-per-request'));

  const facts = new Session();
  facts.facts.poolsCreated = { 'https://b:443': 40 };
  const f = diagnose(facts).find((x) => x.id === 'pool-per-request');
  assert.equal(f?.evidence.pools, 40);
});

test('unconsumed-body: silent at zero, the count and top origin otherwise', () => {
  const none = new Session();
  none.facts.unconsumedBodies = 0;
  assert.ok(!ids(none).includes('unconsumed-body'));
  const some = new Session();
  some.facts.unconsumedBodies = 7;
  some.facts.unconsumedBodiesByOrigin = { 'http://a:1': 2, 'http://b:2': 5 };
  const f = diagnose(some).find((x) => x.id === 'unconsumed-body');
  assert.deepEqual(f?.evidence, { unconsumedBodies: 7, origins: 2, topOrigin: 'http://b:2', topOriginCount: 5 });
});
