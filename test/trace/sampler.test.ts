import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sampler } from '../../src/trace/sampler.js';

/** Decisions of a sampler, true = traced. */
function draw(rate: number, n: number): boolean[] {
  const s = new Sampler(rate);
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push(s.sampled());
  return out;
}

test('rate 0 traces nothing and rate 1 everything', () => {
  assert.ok(draw(0, 10_000).every((d) => !d));
  assert.ok(draw(1, 10_000).every((d) => d));
});

test('each request is traced with the rate, independently of the requests before it', () => {
  for (const rate of [0.5, 0.1, 0.01]) {
    const n = 400_000;
    const d = draw(rate, n);
    const traced = d.filter(Boolean).length;
    // the expected count is n·rate; the tolerance is many standard deviations wide (this cannot
    // fail by chance) yet far narrower than any other rate would land
    assert.ok(Math.abs(traced / n - rate) < rate * 0.1, `rate ${rate}: ${traced} of ${n} traced`);
    // memoryless, as a draw per request: after a traced request, and after five untraced ones,
    // the next is traced with the same probability
    let afterTraced = 0, afterTracedHits = 0, afterFive = 0, afterFiveHits = 0;
    for (let i = 5; i < n; i++) {
      if (d[i - 1]) {
        afterTraced++;
        if (d[i]) afterTracedHits++;
      }
      if (!d[i - 1] && !d[i - 2] && !d[i - 3] && !d[i - 4] && !d[i - 5]) {
        afterFive++;
        if (d[i]) afterFiveHits++;
      }
    }
    assert.ok(Math.abs(afterTracedHits / afterTraced - rate) < Math.max(0.25 * rate, 0.01), `rate ${rate}: ${afterTracedHits} of ${afterTraced} after a traced one`);
    assert.ok(Math.abs(afterFiveHits / afterFive - rate) < rate * 0.15, `rate ${rate}: ${afterFiveHits} of ${afterFive} after five untraced`);
  }
});
