import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { probe } from '../../src/probe/index.js';
import { httpServer } from '../helpers/servers.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

test('a blocked event loop during a request is flagged: event-loop-blocked', { timeout: 15_000 }, async () => {
  let n = 0;
  // the server shares the probe's event loop here: busy-waiting in its handler blocks the probe's loop too
  const s = await httpServer((_q, res) => {
    if (++n === 2) {
      const until = performance.now() + 150;
      while (performance.now() < until) { /* block */ }
    }
    res.end('x');
  });
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { requests: 3 });
  assert.equal(r.error, null);
  assert.equal(r.requests[1]!.eventLoopBlocked, true);
  assert.ok(r.requests[1]!.eventLoopDelayMs! >= 100, `delay ${r.requests[1]!.eventLoopDelayMs}`);
  const f = r.findings.find((x) => x.id === 'event-loop-blocked');
  assert.ok(f);
  assert.ok(Number(f.evidence.inflatedRequests) >= 1);
});

test('no stall, no event-loop-blocked', { timeout: 15_000 }, async () => {
  const s = await httpServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { requests: 3, thresholds: { eventLoopBlockedMs: 500 } });
  assert.ok(!r.findings.some((x) => x.id === 'event-loop-blocked'));
});
