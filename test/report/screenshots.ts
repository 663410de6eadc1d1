/**
 * Makes the screenshots in docs/report.md: real runs against local servers (and a fixture capture),
 * each report opened in chromium and photographed. Run by hand after changing the report's looks:
 *   npm run docs:screenshots
 * Writes docs/img/report-*.png (the top of each page, so the files stay small). The run report
 * comes from the built binary: `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { analyzeCapture } from '../../src/capture/analyze.js';
import { bench } from '../../src/bench/run.js';
import { runScenario } from '../../src/lab/runner.js';
import { probe } from '../../src/probe/probe.js';
import { renderBenchHtml, renderLabHtml, renderPcapHtml, renderProbeHtml } from '../../src/report/html/index.js';
import { httpServer, httpsServer } from '../helpers/servers.js';
import { CHROMIUM, noChromium } from './browser.js';

if (noChromium) {
  console.error(noChromium);
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'connscope-shots-'));
const pages: Array<{ name: string; html: string; height: number; scheme: 'light' | 'dark' }> = [];

// probe: an https server that closes a connection after 3 requests, so the lanes show a server close
{
  const srv = await httpsServer((_q, res) => setTimeout(() => res.end('ok'), 12));
  srv.server.maxRequestsPerSocket = 3;
  const r = await probe(`https://localhost:${srv.port}/`, { ca: srv.chain.caPem, requests: 5 });
  await srv.close();
  const html = renderProbeHtml(r);
  pages.push({ name: 'probe', html, height: 1000, scheme: 'light' }, { name: 'probe-dark', html, height: 1000, scheme: 'dark' });
}

// bench: 4 s, 8 in flight on 4 connections, one answer in 15 slow: a tail, queueing and a pool-exhausted finding
{
  let n = 0;
  const srv = await httpServer((_q, res) => setTimeout(() => res.end('ok'), n++ % 15 === 0 ? 25 : 2 + (n % 3)));
  const r = await bench({ url: `${srv.origin}/`, durationMs: 4000, concurrency: 8, connections: 4 });
  await srv.close();
  const html = renderBenchHtml(r);
  pages.push({ name: 'bench', html, height: 1500, scheme: 'light' }, { name: 'bench-dark', html, height: 1500, scheme: 'dark' });
}

// lab: one scenario, before and after
{
  const r = await runScenario('connection-close', { deadlineMs: 20_000 });
  pages.push({ name: 'lab', html: renderLabHtml([r]), height: 1150, scheme: 'light' });
}

// run: the run tests' unmodified app, traced by the built binary
{
  const srv = await httpServer((_q, res) => res.end('ok'));
  const file = join(tmp, 'run-out.html');
  // asynchronous: the server answering the app lives in this process
  const child = spawn(process.execPath, ['dist/cli/main.cjs', 'run', '--html', file, '--report', 'off', '--', process.execPath, 'test/fixtures/run/app.mjs'], {
    env: { ...process.env, TARGET: srv.origin },
    stdio: 'ignore',
    timeout: 30_000,
  });
  const status = await new Promise((done) => child.on('close', done));
  await srv.close();
  if (status !== 0) throw new Error(`connscope run failed (${String(status)})`);
  pages.push({ name: 'run', html: readFileSync(file, 'utf8'), height: 1000, scheme: 'light' });
}

// pcap: a committed fixture capture
{
  const s = await analyzeCapture('test/fixtures/pcap/http1-keepalive.pcap', {});
  pages.push({ name: 'pcap', html: renderPcapHtml(s), height: 1150, scheme: 'light' });
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  for (const p of pages) {
    const file = join(tmp, `${p.name}.html`);
    writeFileSync(file, p.html);
    const context = await browser.newContext({ viewport: { width: 1100, height: p.height }, colorScheme: p.scheme });
    const page = await context.newPage();
    await page.goto(`file://${file}`);
    await page.screenshot({ path: `docs/img/report-${p.name}.png` });
    await context.close();
    console.log(`docs/img/report-${p.name}.png`);
  }
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
