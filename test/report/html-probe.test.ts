import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/errors.js';
import { PHASE_NAMES } from '../../src/model/phases.js';
import { fmtMs } from '../../src/report/terminal/style.js';
import { httpsServer } from '../helpers/servers.js';
import { runCli } from '../probe/helpers.js';
import { assertBarMatchesPhases, barSegments, noChromium, openReport } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'connscope-html-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('probe --html: the page shows the JSON\'s connections, findings and numbers, bars sized by phases, no requests, no errors', { skip: noChromium, timeout: 90_000 }, async () => {
  // a server that answers after 15 ms so wait is the widest phase of a reused request
  const srv = await httpsServer((_q, res) => setTimeout(() => res.end('ok'), 15));
  after(() => srv.close());
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, srv.chain.caPem);
  const file = join(dir, 'probe.html');
  const out = await runCli(['probe', `https://localhost:${srv.port}/`, '--ca', ca, '-n', '3', '--json', '--html', file]);
  assert.equal(out.code, EXIT.ok, out.stderr);
  const json = JSON.parse(out.stdout);
  assert.ok(json.connections.length >= 2, 'the series connection and the resumption one');
  assert.ok(json.findings.length >= 1, 'a Node https server does not staple OCSP: at least one finding to look for');
  assert.ok(statSync(file).size < 1024 * 1024, 'under 1 MB');
  const html = readFileSync(file, 'utf8');
  assert.doesNotMatch(html, /\b(?:src|href)="(?:https?:)?\/\//, 'no remote script, style or image');

  const r = await openReport(file);
  try {
    const { page } = r;
    for (const c of json.connections) {
      assert.equal(await page.locator(`#connections tr[data-conn="${c.id}"]`).count(), 1, `connection ${c.id} in the table`);
      assert.equal(await page.locator(`g.lane[data-conn="${c.id}"]`).count(), 1, `connection ${c.id} has a lane`);
    }
    assert.equal(await page.locator('g.lane').count(), json.connections.length, 'one lane per connection');
    for (const f of json.findings) assert.equal(await page.locator(`article[data-finding="${f.id}"]`).count(), 1, `finding ${f.id} has a card`);

    // the first request: each number in its row equals the JSON's (JSON rounds to 3 decimals)
    const q = json.requests[0];
    const row = page.locator('#requests tbody tr').nth(0);
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], '1');
    assert.ok(cells.includes(q.connectionId), `row names connection ${q.connectionId}: ${cells}`);
    assert.ok(cells.includes(String(q.status)));
    for (const n of [...PHASE_NAMES, 'total']) {
      const cell = row.locator(`td[data-phase="${n}"]`);
      const v = q.phases[n];
      if (v === null) {
        assert.equal(await cell.count(), 0, `${n} absent`);
        continue;
      }
      const exact = Number(await cell.getAttribute('data-ms'));
      assert.ok(Math.abs(exact - v) <= 0.0005, `${n}: page ${exact} vs JSON ${v}`);
      assert.equal(await cell.textContent(), fmtMs(exact), `${n} printed as the terminal prints it`);
    }

    // each request's bar: phases in order, sized by their ms; bars on one connection in request order
    const reqIds = await page.locator('#requests tbody tr').evaluateAll((rows) => rows.map((x) => x.getAttribute('data-req')!));
    assert.equal(reqIds.length, json.requests.length);
    const starts: Record<string, number[]> = {};
    for (const [i, id] of reqIds.entries()) {
      const bar = await barSegments(page, `g.req[data-req="${id}"]`);
      assertBarMatchesPhases(bar, json.requests[i].phases);
      (starts[json.requests[i].connectionId] ??= []).push(bar.segments[0]!.x);
    }
    for (const xs of Object.values(starts)) assert.deepEqual(xs, [...xs].sort((a, b) => a - b), 'bars of one connection left to right in request order');
    // the series opened its connection with dns, connect and tls; the reused requests did not
    assert.equal(json.requests[1].reused, true);
    assert.equal(json.requests[1].phases.tls, null);

    // a click shows the numbers of that bar in the panel
    await page.locator(`g.req[data-req="${reqIds[0]}"] rect[data-phase="wait"]`).click({ force: true });
    const panel = await page.locator('#details').innerText();
    // the panel prints what the table prints (both from the record; the table was checked against the JSON above)
    const shown = (phase: string): Promise<string | null> => row.locator(`td[data-phase="${phase}"]`).textContent();
    assert.match(panel, new RegExp(`total ms\\s+${(await shown('total'))!.replace('.', '\\.')}`), panel);
    assert.match(panel, new RegExp(`wait ms\\s+${(await shown('wait'))!.replace('.', '\\.')}`), panel);

    assert.deepEqual(r.errors, [], 'no console errors');
    assert.deepEqual(r.requests, [], 'no network request besides the file');
    const shot = join(dir, 'probe.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a screenshot was written');
    const light = String(await page.evaluate('getComputedStyle(document.body).backgroundColor'));
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = String(await page.evaluate('getComputedStyle(document.body).backgroundColor'));
    assert.notEqual(light, dark, 'a dark colour scheme follows prefers-color-scheme');
  } finally {
    await r.close();
  }

  // without JavaScript the text parts are all there
  const noJs = await openReport(file, { javaScript: false });
  try {
    const text = await noJs.page.locator('#requests').innerText();
    assert.ok(text.includes(fmtMs(json.requests[0].phases.total)));
    assert.ok((await noJs.page.locator('#findings').innerText()).includes(json.findings[0].id));
    assert.deepEqual(noJs.errors, []);
  } finally {
    await noJs.close();
  }
});
