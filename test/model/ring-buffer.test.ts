import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RingBuffer, Session, type RequestTrace } from '../../src/model/index.js';

test('RingBuffer keeps the last `capacity` entries in order, as a shifted array would', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer(), { maxLength: 200 }), (capacity, values) => {
      const ring = new RingBuffer<number>(capacity);
      const model: number[] = [];
      for (const v of values) {
        const evicted = ring.push(v);
        model.push(v);
        const expectedEvicted = model.length > capacity ? model.shift() : undefined;
        assert.equal(evicted, expectedEvicted);
        assert.equal(ring.length, model.length);
      }
      assert.deepEqual(ring.toArray(), model);
    }),
  );
});

test('RingBuffer refuses a capacity that is not a positive integer', () => {
  assert.throws(() => new RingBuffer(0), RangeError);
  assert.throws(() => new RingBuffer(1.5), RangeError);
});

test('Session keeps the most recent maxRequests requests and counts the dropped ones', () => {
  const session = new Session({ maxRequests: 3 });
  const reqs = [1, 2, 3, 4, 5].map((n) => ({ id: `r${n}`, startedAtEpoch: 10 - n }) as unknown as RequestTrace);
  for (const r of reqs) session.addRequest(r);
  assert.deepEqual(session.requests.map((r) => r.id), ['r3', 'r4', 'r5']);
  assert.equal(session.requestCount, 3);
  assert.equal(session.droppedRequests, 2);
  // the view is rebuilt after a change, not stale
  session.addRequest({ id: 'r6', startedAtEpoch: 0 } as unknown as RequestTrace);
  assert.deepEqual(session.requests.map((r) => r.id), ['r4', 'r5', 'r6']);
  session.sortRequests((a, b) => a.startedAtEpoch - b.startedAtEpoch);
  assert.deepEqual(session.requests.map((r) => r.id), ['r6', 'r5', 'r4']);
});
