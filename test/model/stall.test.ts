import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../src/diagnose/index.js';
import { newIdleStats, type ConnectionRecord } from '../../src/model/connection.js';
import { phasesFromMarks } from '../../src/model/phases.js';
import type { RequestTrace } from '../../src/model/request.js';
import { Session } from '../../src/model/session.js';
import { establishmentStalls, ownTime, phaseStalls, totalStall, type StallLog } from '../../src/model/stall.js';
import { EventLoopSampler } from '../../src/trace/event-loop.js';

/**
 * Stalls given as intervals, answering as the sampler does: clipped sums, and the delay of a callback
 * at `to` by the newest stall begun before it when that stall ran to within 10 ms (one interval) of `to`.
 */
function log(stalls: [number, number][]): StallLog {
  return {
    overlap: (from, to) => stalls.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0),
    endDelay: (from, to) => {
      const last = stalls.filter(([a]) => a < to).pop();
      return last && last[1] >= to - 10 && last[1] >= from ? Math.max(0, to - Math.max(last[0], from)) : 0;
    },
  };
}

test('phaseStalls charges a phase the stall that ran into its end, not a stall it recovered from', () => {
  const phases = phasesFromMarks({ start: 0, assigned: 1, dnsStart: 1, dnsEnd: 300, connectStart: 300, connectEnd: 302, sent: 303, firstByte: 330, end: 331 });
  // the loop was held from 5 to 299 (the lookup's callback ran late), and 305 to 310 inside the wait,
  // which ended 20 ms after the loop recovered: that stall delayed nothing
  const s = phaseStalls(phases, 0, log([[5, 299], [305, 310]]))!;
  assert.deepEqual(s, { dns: 295 });
  assert.equal(totalStall(s), 295);
  assert.equal(ownTime(phases.dns!, s.dns), 4);
  assert.equal(phaseStalls(phases, 0, log([[400, 500]])), undefined, 'no overlap, nothing allocated');
  // a lookup queued 400 ms in the threadpool while the loop stalled early on is still 400 ms of its own
  const queued = phaseStalls(phasesFromMarks({ start: 0, dnsStart: 0, dnsEnd: 400, connectStart: 400, connectEnd: 401, sent: 401, firstByte: 402, end: 403 }), 0, log([[10, 160]]));
  assert.deepEqual(queued, {});
  const e = establishmentStalls({ dns: 299, connect: 2, total: 301 }, 1, log([[5, 299]]));
  assert.deepEqual(e, { dns: 295 });
});

test('the tracer sampler answers clipped sums, and counts a stall still in progress', async () => {
  const sampler = new EventLoopSampler({ intervalMs: 5, blockedMs: 50 });
  sampler.start();
  try {
    await new Promise((r) => setTimeout(r, 20));
    const from = performance.now();
    const end = from + 120;
    while (performance.now() < end) { /* hold the loop */ }
    const to = performance.now();
    // the tick due during the block has not run yet: the block is still counted
    assert.ok(sampler.overlap(from, to) >= 100, `in progress ${sampler.overlap(from, to)}`);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(sampler.overlap(from, to) >= 100 && sampler.overlap(from, to) <= to - from + 0.001, `recorded ${sampler.overlap(from, to)}`);
    assert.ok(sampler.longest(from, to) >= 100);
    assert.ok(sampler.endDelay(from - 5, to) >= 100, `end delay ${sampler.endDelay(from - 5, to)}`);
    await new Promise((r) => setTimeout(r, 60));
    // the loop ran after the block: a callback 40 ms later was not delayed by it (a busy machine may add a small lag)
    assert.ok(sampler.endDelay(to + 30, to + 40) < 50, `after recovery ${sampler.endDelay(to + 30, to + 40)}`);
    assert.equal(sampler.overlap(from - 1000, from - 500), 0);
    assert.ok(sampler.windows(100).length >= 1);
  } finally {
    sampler.stop();
  }
});

/** Runs `fn` from setImmediate callbacks (a loop busy with short callbacks) for `ms`. */
function busyLoop(ms: number, fn: () => void): Promise<void> {
  const end = performance.now() + ms;
  return new Promise((resolve) => {
    const step = (): void => {
      fn();
      if (performance.now() >= end) resolve();
      else setImmediate(step);
    };
    setImmediate(step);
  });
}

test('a loop busy with callbacks that call seen() runs the probe timer rarely; one without runs it every interval', async () => {
  // a long interval: a callback the scheduler of a loaded machine holds back a quarter interval lets the timer run
  const witnessed = new EventLoopSampler({ intervalMs: 100, blockedMs: 50 });
  const control = new EventLoopSampler({ intervalMs: 100, blockedMs: 50 });
  witnessed.start();
  control.start();
  try {
    await busyLoop(1500, () => witnessed.seen(performance.now()));
    // the control's timer came due about 15 times; seen() kept the witnessed one from coming due
    assert.ok(control.timerTicks >= 5, `control ticks ${control.timerTicks}`);
    assert.ok(witnessed.timerTicks <= control.timerTicks / 3, `witnessed ticks ${witnessed.timerTicks} vs control ${control.timerTicks}`);
    // its clock still moves: the coarse clock is good to one interval
    assert.ok(performance.now() - witnessed.lastTickAt <= 100 + 15, `lastTickAt ${performance.now() - witnessed.lastTickAt} ms ago`);
  } finally {
    witnessed.stop();
    control.stop();
  }
});

test('a stall ended by a callback that calls seen() is recorded once, as the tick would have', async () => {
  const sampler = new EventLoopSampler({ intervalMs: 10, blockedMs: 50 });
  sampler.start();
  try {
    await new Promise((r) => setTimeout(r, 30));
    const from = performance.now();
    while (performance.now() < from + 120) { /* hold the loop */ }
    const to = performance.now();
    sampler.seen(to);
    assert.equal(sampler.windows(100).length, 1, 'recorded by seen()');
    assert.ok(sampler.overlap(from, to) >= 100 && sampler.overlap(from, to) <= to - from + 0.001, `overlap ${sampler.overlap(from, to)}`);
    assert.ok(sampler.endDelay(from - 5, to) >= 100, `end delay ${sampler.endDelay(from - 5, to)}`);
    // the stall runs from the tick that was due (which a loaded machine may have held back a little before `from`)
    assert.ok(sampler.maxLagMs >= 100 && sampler.maxLagMs <= to - from + 50, `max lag ${sampler.maxLagMs}`);
    const ticks = sampler.timerTicks;
    await new Promise((r) => setTimeout(r, 50));
    // the timer ran again afterwards, and did not count the same stall a second time
    assert.ok(sampler.timerTicks > ticks, 'the timer runs when nothing calls seen()');
    assert.equal(sampler.windows(100).length, 1, 'still one stall');
    const later = performance.now();
    assert.ok(sampler.longest(from, later) <= to - from + 0.001, `longest after the tick ${sampler.longest(from, later)}`);
  } finally {
    sampler.stop();
  }
});

function conn(id: string, establishment: ConnectionRecord['establishment']): ConnectionRecord {
  return { id, origin: 'http://h:80', source: 'pcap', protocol: 'http/1.1', openedAt: 0, openedAtEpoch: 0, establishment, requests: 1, idle: newIdleStats() };
}

function req(id: string, over: Partial<RequestTrace>): RequestTrace {
  return { id, origin: 'http://h:80', method: 'GET', path: '/', source: 'pcap', startedAt: 0, startedAtEpoch: 0, phases: { total: 100, wait: 100 }, reused: true, status: 200, ...over };
}

test('slow-connect and slow-tls judge own time; the stalled part is event-loop-blocked', () => {
  const s = new Session();
  s.addConnection(conn('c1', { connect: 213, tls: 350, total: 563, stalls: { connect: 210, tls: 300 } }));
  s.addRequest(req('r1', { connectionId: 'c1', reused: false, eventLoopDelayMs: 300, eventLoopBlocked: true, phases: { connect: 213, tls: 350, wait: 5, total: 568 }, stalls: { connect: 210, tls: 300 } }));
  const f = diagnose(s);
  const ids = f.map((x) => x.id);
  assert.ok(!ids.includes('slow-connect') && !ids.includes('slow-tls'), ids.join());
  const b = f.find((x) => x.id === 'event-loop-blocked')!;
  assert.equal(b.evidence.connectStallMs, 210);
  assert.equal(b.evidence.tlsStallMs, 300);
  // the same connection without the stall: both fire, with the own times as evidence
  const t = new Session();
  t.addConnection(conn('c1', { connect: 213, tls: 350, total: 563 }));
  const g = diagnose(t);
  assert.equal(g.find((x) => x.id === 'slow-connect')?.evidence.maxMs, 213);
  assert.ok(g.some((x) => x.id === 'slow-tls'));
  // slow on its own and stalled: fires, evidence counts the own time
  const u = new Session();
  u.addConnection(conn('c1', { connect: 600, total: 600, stalls: { connect: 100 } }));
  assert.equal(diagnose(u).find((x) => x.id === 'slow-connect')?.evidence.maxMs, 500);
});

test('slow-dns and dns-threadpool-saturated split slow lookups by whether they queued', () => {
  const s = new Session();
  s.addConnection(conn('c1', { dns: 300, connect: 1, total: 301, threadpool: { tasks: 9, size: 4 } }));
  s.addConnection(conn('c2', { dns: 300, connect: 1, total: 301, threadpool: { tasks: 2, size: 4 } }));
  const f = diagnose(s);
  const sat = f.find((x) => x.id === 'dns-threadpool-saturated')!;
  assert.equal(sat.evidence.queuedSlowLookups, 1);
  assert.equal(sat.evidence.threadpoolSize, 4);
  const dns = f.find((x) => x.id === 'slow-dns')!;
  assert.equal(dns.evidence.slowConnections, 1);
  assert.equal(dns.evidence.queuedInThreadpool, 1);
  // a queued lookup that is fast is nobody's finding
  const t = new Session();
  t.addConnection(conn('c1', { dns: 20, connect: 1, total: 21, threadpool: { tasks: 64, size: 4 } }));
  assert.deepEqual(diagnose(t).map((x) => x.id).filter((id) => id.includes('dns')), []);
});

test('pool-exhausted from records discounts the blocked time a stalled loop explains', () => {
  const mk = (stalled: boolean): Session => {
    const s = new Session();
    for (let i = 0; i < 12; i++) {
      s.addRequest(req(`r${i}`, { phases: { blocked: 60, wait: 40, total: 100 }, ...(stalled ? { stalls: { blocked: 58 } } : {}) }));
    }
    return s;
  };
  assert.ok(diagnose(mk(false)).some((x) => x.id === 'pool-exhausted'));
  assert.ok(!diagnose(mk(true)).some((x) => x.id === 'pool-exhausted'));
});
