import { test, after } from 'node:test';
import assert from 'node:assert/strict';
// the implementation itself: the package's probe() loads it on first call (an await before the lookup)
import { probe } from '../../src/probe/probe.js';
import { httpServer } from '../helpers/servers.js';
// @ts-expect-error a plain .mjs fixture (exact line numbers for the profiler), no types
import { holdTheLoopForAWhile } from '../fixtures/loop-blocker.mjs';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

// The case: `probe http://localhost` gave dns 273.2 ms with eventLoopDelayMs 272.7 and reported
// both slow-dns and event-loop-blocked. The lookup of localhost is answered from /etc/hosts.
test('probe: a stall while the lookup of localhost is in flight is event-loop-blocked, not slow-dns', { timeout: 30_000 }, async () => {
  const s = await httpServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  // probe() issues the first connection's lookup before its first await; the loop is then held
  const running = probe(`http://localhost:${s.port}/`, { requests: 2, profile: false });
  holdTheLoopForAWhile(300);
  const r = await running;
  assert.equal(r.error, null);
  const c = r.connections.find((x) => x.id === r.requests[0]!.connectionId)!;
  const wall = c.establishment.dns ?? 0;
  const stalled = (c.establishment.stalls?.dns ?? 0) + (c.establishment.stalls?.connect ?? 0);
  assert.ok((c.establishment.dns ?? 0) + (c.establishment.connect ?? 0) >= 250, `dns+connect wall ${wall} / ${c.establishment.connect}`);
  assert.ok(stalled >= 200, `stall inside dns+connect ${JSON.stringify(c.establishment)}`);
  const ids = r.findings.map((f) => f.id);
  assert.ok(ids.includes('event-loop-blocked'), ids.join());
  assert.ok(!ids.includes('slow-dns') && !ids.includes('slow-connect'), ids.join());
});
