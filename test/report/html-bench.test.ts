import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench } from '../../src/bench/run.js';
import { benchJson } from '../../src/report/bench-json.js';
import { renderBenchHtml } from '../../src/report/html/bench.js';
import { fmtMs } from '../../src/report/terminal/style.js';
import { httpServer } from '../helpers/servers.js';
import { assertBarMatchesPhases, barSegments, noChromium, openReport } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'connscope-html-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('bench --html: percentiles, per-second counts and findings equal the JSON\'s, lanes are the server\'s connections, no requests, no errors', { skip: noChromium, timeout: 90_000 }, async () => {
  let served = 0;
  // the connections that carried requests (bench's preflight also connects once, without a request)
  const carried = new Set<unknown>();
  // every 10th request is slow: a tail in the percentile plot, and 4 requests in flight on 2 connections queue
  const srv = await httpServer((q, res) => {
    served++;
    carried.add(q.socket);
    setTimeout(() => res.end('ok'), served % 10 === 0 ? 30 : 2);
  });
  after(() => srv.close());
  const r = await bench({ url: `${srv.origin}/`, requests: 200, concurrency: 4, connections: 2 });
  const json = JSON.parse(JSON.stringify(benchJson(r)));
  assert.equal(json.stats.requests, 200);
  assert.equal(served, 200, 'the server answered every request');
  assert.equal(carried.size, 2, 'the pool held two connections');
  assert.ok(json.findings.length >= 1, 'four in flight on two connections: pool-exhausted');
  const file = join(dir, 'bench.html');
  writeFileSync(file, renderBenchHtml(r));
  assert.ok(statSync(file).size < 1024 * 1024, 'under 1 MB');

  const o = await openReport(file);
  try {
    const { page } = o;
    // the latency table and the HDR plot show the JSON's numbers
    const latency = await page.locator('#bench-latency table tbody td').allTextContents();
    const l = json.stats.latency;
    assert.deepEqual(latency, [l.min, l.p50, l.p90, l.p99, l.p999, l.max, l.mean].map(fmtMs));
    const dots = await page.locator('#bench-latency g.curve[data-series="latency"] circle').evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute('data-percentile')), Number(c.getAttribute('data-ms'))]));
    assert.deepEqual(dots, json.stats.latencyCurve.map((p: { percentile: number; ms: number }) => [p.percentile, p.ms]));
    const curve = json.stats.latencyCurve.map((p: { ms: number }) => p.ms);
    assert.deepEqual(curve, [...curve].sort((a, b) => a - b), 'percentiles never decrease');
    assert.ok(json.stats.phaseCurves.wait.length > 0 && (await page.locator('#bench-phases g.curve[data-series="wait"] circle').count()) === json.stats.phaseCurves.wait.length);
    // per second: the bars add up to every request and the open connections reach the pool size
    const perSecond = await page.locator('svg[data-series="req/s"] rect[data-value]').evaluateAll((rs) => rs.map((x) => Number(x.getAttribute('data-value'))));
    assert.equal(perSecond.reduce((a, b) => a + b, 0), json.stats.requests);
    const open = await page.locator('svg[data-series="open connections"] rect[data-value]').evaluateAll((rs) => rs.map((x) => Number(x.getAttribute('data-value'))));
    assert.equal(Math.max(...open), carried.size);
    const errors = await page.locator('svg[data-series="errors"] rect[data-value]').evaluateAll((rs) => rs.map((x) => Number(x.getAttribute('data-value'))));
    assert.equal(errors.reduce((a, b) => a + b, 0), json.stats.errors);

    for (const c of r.session.connections.values()) {
      assert.equal(await page.locator(`g.lane[data-conn="${c.id}"]`).count(), 1, `lane of ${c.id}`);
      assert.equal(await page.locator(`tr[data-conn="${c.id}"]`).count(), 1, `row of ${c.id}`);
    }
    assert.equal(await page.locator('g.lane').count(), carried.size, 'one lane per connection the server served');
    for (const f of json.findings) assert.equal(await page.locator(`article[data-finding="${f.id}"]`).count(), 1, `card of ${f.id}`);

    // one listed request: its row and its bar show the record's numbers
    const id = await page.locator('#bench-lanes tbody tr').first().getAttribute('data-req');
    const rec = r.session.requests.find((q) => q.id === id)!;
    assert.ok(rec, `request ${id} is one of the records`);
    for (const [phase, v] of Object.entries(rec.phases)) {
      const cell = page.locator(`#bench-lanes tbody tr[data-req="${id}"] td[data-phase="${phase}"]`);
      assert.equal(Number(await cell.getAttribute('data-ms')), v);
      assert.equal(await cell.textContent(), fmtMs(v));
    }
    const bars = await page.locator('g.req').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-req')!));
    assert.ok(bars.length > 0 && bars.length <= 2 * 40, `at most 40 bars per lane (${bars.length})`);
    for (const b of bars.slice(0, 20)) {
      const q = r.session.requests.find((x) => x.id === b)!;
      assertBarMatchesPhases(await barSegments(page, `g.req[data-req="${b}"]`), q.phases);
    }
    assert.match(await page.locator('#bench-lanes figcaption').innerText(), /bars left out/, 'says what was sampled');

    assert.deepEqual(o.errors, []);
    assert.deepEqual(o.requests, []);
    const shot = join(dir, 'bench.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
  } finally {
    await o.close();
  }
});

test('bench --html without keep-alive: lanes of the slowest requests out of hundreds of connections, saying so', { skip: noChromium, timeout: 90_000 }, async () => {
  const carried = new Set<unknown>();
  const srv = await httpServer((q, res) => {
    carried.add(q.socket);
    res.end('ok');
  });
  after(() => srv.close());
  const r = await bench({ url: `${srv.origin}/`, requests: 150, concurrency: 2, keepAlive: false });
  assert.equal(carried.size, 150, 'a connection per request');
  const file = join(dir, 'bench-nokeepalive.html');
  writeFileSync(file, renderBenchHtml(r));
  const o = await openReport(file);
  try {
    const lanes = await o.page.locator('g.lane').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-conn')!));
    assert.equal(lanes.length, 24);
    assert.match(await o.page.locator('#bench-lanes figcaption').innerText(), new RegExp(`24 of ${r.session.connections.size} connection lanes`));
    // the lanes are those of the failed requests (if any), then of the slowest
    const failed = r.session.requests.filter((q) => q.error);
    assert.ok(failed.length <= 4, `a loopback server fails (almost) nothing: ${failed.length}`);
    for (const q of failed) assert.ok(lanes.includes(q.connectionId ?? '(no connection)'), `the lane of failed request ${q.id}`);
    const slowest = r.session.requests.filter((q) => !q.error).sort((a, b) => b.phases.total - a.phases.total).slice(0, 10);
    for (const q of slowest) assert.ok(lanes.includes(q.connectionId!), `the lane of slow request ${q.id}`);
    for (const c of r.session.connections.values()) assert.equal(await o.page.locator(`tr[data-conn="${c.id}"]`).count(), 1);
    assert.deepEqual(o.errors, []);
    assert.deepEqual(o.requests, []);
  } finally {
    await o.close();
  }
});
