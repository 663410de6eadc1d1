import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listen } from '../helpers/servers.js';
import { noChromium, openReport } from './browser.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/cli/main.cjs');
const APP = join(ROOT, 'test/fixtures/run/app.mjs');
const dir = mkdtempSync(join(tmpdir(), 'connscope-html-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('run --html: the exact totals and a lane per connection the server accepted, no requests, no errors', { skip: noChromium, timeout: 90_000 }, async () => {
  assert.ok(existsSync(BIN), 'dist is built (npm test builds before it tests)');
  const server = await listen(http.createServer((_q, res) => res.end('ok')), 'http');
  after(() => server.close());
  const [html, json] = [join(dir, 'run.html'), join(dir, 'run.json')];
  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, [BIN, 'run', '--html', html, '--json', json, '--report', 'off', '--', process.execPath, APP], {
      env: { ...process.env, TARGET: server.origin },
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      done(c);
    });
  });
  assert.equal(code, 0);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.totals.client.requests, 9);
  assert.ok(statSync(html).size < 1024 * 1024);

  const o = await openReport(html);
  try {
    const { page } = o;
    const client = await page.locator('#client dl').innerText();
    assert.match(client, /requests\s+9/);
    assert.match(client, new RegExp(`connections opened\\s+${server.connections}`));
    // the app's five connections (keep-alive agent, two without keep-alive, undici, fetch), as the server counted them
    assert.equal(await page.locator('g.lane').count(), server.connections);
    assert.equal(await page.locator('g.req').count(), report.sampled.requests, 'every kept trace has a bar');
    for (const f of report.findings) assert.equal(await page.locator(`article[data-finding="${f.id}"]`).count(), 1, f.id);
    assert.deepEqual(o.errors, []);
    assert.deepEqual(o.requests, []);
    await page.screenshot({ path: join(dir, 'run.png'), fullPage: true });
  } finally {
    await o.close();
  }
});
