import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { EventClock } from '../../src/bench/event-clock.js';

test('inside an event every reader gets the time it began; outside, and after a throw, the live clock', async () => {
  const clock = new EventClock();
  const seen: number[] = [];
  const began = clock.run(() => {
    seen.push(clock.now());
    // busy for a measurable moment: a live clock would move
    const until = performance.now() + 5;
    while (performance.now() < until);
    seen.push(clock.now());
  }, undefined);
  assert.deepEqual(seen, [began, began]);
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(clock.now() > began + 4, 'outside an event the clock moves');
  assert.throws(() => clock.run(() => {
    throw new Error('boom');
  }, undefined), /boom/);
  const a = clock.now();
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(clock.now() > a + 4, 'a throwing event leaves no frozen time behind');
});
