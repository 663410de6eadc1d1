import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/errors.js';
import { formatMetric, LABELS, shownMetrics } from '../../src/lab/render.js';
import { fmtMs } from '../../src/report/terminal/style.js';
import { runCli } from '../probe/helpers.js';
import { assertBarMatchesPhases, barSegments, noChromium, openReport } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'connscope-html-lab-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('lab --html: before and after side by side with the JSON\'s connections, findings, metrics and request numbers', { skip: noChromium, timeout: 120_000 }, async () => {
  const file = join(dir, 'lab.html');
  const out = await runCli(['lab', 'connection-close', '--json', '--html', file]);
  assert.equal(out.code, EXIT.ok, out.stderr);
  const json = JSON.parse(out.stdout);
  const s = json.scenarios[0];
  assert.equal(s.passed, true);
  // the scenario's server counted a connection per request before the fix and one after
  assert.equal(s.before.metrics.serverConnections, s.before.metrics.requests);
  assert.equal(s.after.metrics.serverConnections, 1);
  assert.ok(statSync(file).size < 1024 * 1024);

  const o = await openReport(file);
  try {
    const { page } = o;
    const article = page.locator(`article[data-scenario="${s.name}"]`);
    // side by side: the after column starts to the right of the before column, on the same row
    const before = article.locator('[data-variant="before"]');
    const afterCol = article.locator('[data-variant="after"]');
    const [b, a] = [await before.boundingBox(), await afterCol.boundingBox()];
    assert.ok(b && a && a.x >= b.x + b.width - 1 && Math.abs(a.y - b.y) < 2, `columns side by side: ${JSON.stringify({ b, a })}`);

    for (const [variant, rec] of [['before', s.before], ['after', s.after]] as const) {
      const col = article.locator(`[data-variant="${variant}"]`);
      for (const c of rec.connections) {
        assert.equal(await col.locator(`tr[data-conn="${c.id}"]`).count(), 1, `${variant} ${c.id} row`);
        assert.equal(await col.locator(`g.lane[data-conn="${c.id}"]`).count(), 1, `${variant} ${c.id} lane`);
      }
      assert.equal(await col.locator('g.lane').count(), rec.metrics.serverConnections, `${variant}: a lane per connection the server accepted`);
      for (const f of rec.findings) assert.equal(await col.locator(`article[data-finding="${f.id}"]`).count(), 1, `${variant} ${f.id}`);
      const metrics = await col.locator('table').first().locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
      assert.deepEqual(metrics, shownMetrics(s.metric.key).map((k) => [LABELS[k as keyof typeof LABELS], formatMetric(k, rec.metrics[k])]));
      // every request's bar is drawn as its phases say
      for (const q of rec.requests) assertBarMatchesPhases(await barSegments(page, `[data-variant="${variant}"] g.req[data-req="${q.id}"]`), q.phases);
    }
    assert.ok(s.before.findings.some((f: { id: string }) => f.id === s.expected));
    assert.equal(await article.locator(`[data-variant="after"] article[data-finding="${s.expected}"]`).count(), 0, 'gone after the fix');

    // one request: a click shows the numbers the JSON holds
    const q = s.before.requests[0];
    await page.locator(`[data-variant="before"] g.req[data-req="${q.id}"] rect[data-phase="wait"]`).click({ force: true });
    const panel = await page.locator('#details').innerText();
    for (const [phase, v] of Object.entries(q.phases) as [string, number][]) {
      if (phase === 'total') assert.match(panel, new RegExp(`total ms\\s+${fmtMs(v).replace('.', '\\.')}`));
      else assert.match(panel, new RegExp(`${phase} ms\\s+${fmtMs(v).replace('.', '\\.')}`), `${phase} in ${panel}`);
    }
    assert.deepEqual(o.errors, []);
    assert.deepEqual(o.requests, []);
    const shot = join(dir, 'lab.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
  } finally {
    await o.close();
  }
});
