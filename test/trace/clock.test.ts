import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { now } from '../../src/trace/clock.js';

// The tracer's clock reads process.hrtime() shifted onto performance.now()'s timeline (clock.ts): its
// marks are compared with Node's perf entries (perf-entries.ts) and with performance.now() marks.
// Generous margins (a busy machine), far below what a wrong shift or unit would give (seconds, or
// the ~1e7 ms between the two clocks' origins).
const MARGIN_MS = 0.05;

test('now() reads performance.now() milliseconds: every read lies between the performance.now() reads around it', () => {
  let worst = 0;
  for (let i = 0; i < 2000; i++) {
    const before = performance.now();
    const t = now();
    const after = performance.now();
    assert.ok(t >= before - MARGIN_MS && t <= after + MARGIN_MS, `read ${i}: ${before} <= ${t} <= ${after}`);
    worst = Math.max(worst, before - t, t - after);
  }
  assert.ok(worst < MARGIN_MS, `worst misalignment ${worst} ms`);
});

test('now() advances as performance.now() does, and never goes back', async () => {
  const t0 = now();
  const p0 = performance.now();
  let last = t0;
  for (let i = 0; i < 10_000; i++) {
    const t = now();
    assert.ok(t >= last, 'monotonic');
    last = t;
  }
  await sleep(60);
  const t1 = now();
  const p1 = performance.now();
  assert.ok(t1 - t0 >= 59, `advanced ${t1 - t0} ms over a 60 ms sleep`);
  assert.ok(Math.abs(t1 - t0 - (p1 - p0)) < 1, `the two clocks agree on the elapsed time: ${t1 - t0} vs ${p1 - p0}`);
});

test("a TCP connect's 'net' perf entry lies between the tracer's marks around it", { timeout: 10_000 }, async () => {
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['net'] });
  try {
    const before = now();
    let connected = 0;
    let after = 0;
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        connected = now();
        s.destroy();
        // Node records the entry just after the 'connect' event: the end mark is taken once it returned
        setImmediate(() => {
          after = now();
          resolve();
        });
      });
      s.on('error', reject);
      s.setTimeout(5_000, () => reject(new Error('connect timed out')));
    });
    const deadline = Date.now() + 3_000;
    const ours = (e: PerformanceEntry): boolean => (e as PerformanceEntry & { detail?: { port?: number } }).detail?.port === port;
    while (!entries.some(ours) && Date.now() < deadline) await sleep(5);
    const entry = entries.find(ours);
    assert.ok(entry, "Node recorded the connect's 'net' entry");
    assert.ok(entry.startTime >= before - MARGIN_MS, `started ${entry.startTime} after the mark before it ${before}`);
    assert.ok(entry.startTime <= connected + MARGIN_MS, `started ${entry.startTime} before the connect callback's mark ${connected}`);
    assert.ok(entry.startTime + entry.duration <= after + MARGIN_MS, `ended ${entry.startTime + entry.duration} before the mark after the callback ${after}`);
  } finally {
    observer.disconnect();
    await new Promise((r) => server.close(r));
  }
});
