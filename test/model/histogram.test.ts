import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DurationHistogram, percentile } from '../../src/model/index.js';

/** The histogram's percentile is the true one (nearest rank, in whole µs) or above it by at most one bucket: 0.39 %. */
const close = (got: number, exact: number): boolean => got >= exact - 1e-9 && got <= exact * (1 + 1 / 256) + 0.001;

test('DurationHistogram percentiles are within 0.39 % of the exact nearest-rank values, never above the max', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 120_000, noNaN: true })), { minLength: 1, maxLength: 500 }), (values) => {
      const h = new DurationHistogram();
      for (const v of values) h.recordMs(v);
      const us = values.map((v) => Math.round(v * 1000) / 1000).sort((a, b) => a - b);
      const s = h.summary()!;
      assert.equal(s.count, values.length);
      assert.equal(s.min, us[0]);
      assert.equal(s.max, us[us.length - 1]);
      for (const [p, got] of [[50, s.p50], [90, s.p90], [99, s.p99], [99.9, s.p999]] as const) {
        const exact = percentile(us, p);
        assert.ok(close(got, exact), `p${p}: ${got} vs exact ${exact}`);
        assert.ok(got <= s.max);
      }
      // the curve's points come from the same single walk over the buckets
      for (const { percentile: p, ms } of h.curve()) {
        if (p === 0) assert.equal(ms, s.min);
        else if (p === 100) assert.equal(ms, s.max);
        else assert.ok(close(ms, percentile(us, p)), `curve p${p}: ${ms} vs exact ${percentile(us, p)}`);
      }
    }),
  );
});

test('DurationHistogram: merge equals recording everything into one; reset empties it; bad values are ignored', () => {
  const a = new DurationHistogram();
  const b = new DurationHistogram();
  const all = new DurationHistogram();
  for (let i = 0; i < 1000; i++) {
    const v = (i * 7.3) % 250;
    (i % 2 ? a : b).recordMs(v);
    all.recordMs(v);
  }
  a.merge(b);
  assert.deepEqual(a.summary(), all.summary());
  a.recordMs(NaN);
  a.recordMs(-1);
  assert.equal(a.count, 1000);
  a.reset();
  assert.equal(a.summary(), undefined);
  const huge = new DurationHistogram();
  huge.recordMs(1e12); // beyond the tracked range: counted at the top
  assert.equal(huge.count, 1);
  assert.ok(huge.summary()!.p50 > 60 * 60 * 1000);
});

test('DurationHistogram: one that recorded nothing (its buckets not allocated yet) merges both ways, resets and reads as empty', () => {
  const values = [0.2, 3, 3, 47.5, 1200];
  const filled = (): DurationHistogram => {
    const h = new DurationHistogram();
    for (const v of values) h.recordMs(v);
    return h;
  };
  const empty = new DurationHistogram();
  assert.equal(empty.summary(), undefined);
  assert.deepEqual(empty.curve(), []);
  assert.deepEqual(empty.bins(), []);
  empty.reset();
  empty.merge(new DurationHistogram());
  assert.equal(empty.count, 0);

  const intoEmpty = new DurationHistogram();
  intoEmpty.merge(filled());
  assert.deepEqual(intoEmpty.summary(), filled().summary());
  assert.deepEqual(intoEmpty.bins(), filled().bins());
  const emptyInto = filled();
  emptyInto.merge(new DurationHistogram());
  assert.deepEqual(emptyInto.summary(), filled().summary());
  intoEmpty.reset();
  assert.equal(intoEmpty.summary(), undefined);
  intoEmpty.recordMs(5);
  assert.equal(intoEmpty.summary()!.p50, 5);
});
