// RSS of an app attached with `connscope run`'s register entry over many requests (issue: memory
// is flat however long it runs). The app is a keep-alive undici client and a node:http server in
// one process, so both sides are traced; it prints RSS every 10 s and at the end.
//   npm run build && npx tsx bench/run-memory.ts [--requests 10000000] [--mode register|off] [--warm 200000]
// Growth is given two ways, for the traced and the untraced app alike (the untraced app grows too:
// V8's heap and code space settle over the first requests): from the app's first line (after
// register loaded) to the end, and from the end of a warm-up (the first --warm requests) to the end.
// The end figure is taken after a full GC when the app runs with --expose-gc (it does here), so
// garbage not yet collected does not read as growth; the peak is the largest RSS sampled.
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const argOf = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const requests = Number(argOf('requests', '10000000'));
const mode = argOf('mode', 'register');
const warm = Number(argOf('warm', '200000'));
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'connscope-run-memory-'));
const app = join(dir, 'app.mjs');
writeFileSync(
  app,
  `import http from 'node:http';
import { Pool } from ${JSON.stringify(join(root, 'node_modules/undici/index.js'))};
const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => res.end('ok'));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const pool = new Pool('http://127.0.0.1:' + server.address().port, { connections: 10 });
const total = ${requests};
const WARM = ${warm};
let left = total;
const mb = (n) => Math.round((n / 1048576) * 10) / 10;
const rss = () => mb(process.memoryUsage().rss);
const start = rss();
let peak = start;
let warmRss;
let warmHeap;
const t0 = Date.now();
const timer = setInterval(() => { const r = rss(); peak = Math.max(peak, r); process.stdout.write(JSON.stringify({ s: Math.round((Date.now() - t0) / 1000), done: total - left, rssMb: r, heapMb: mb(process.memoryUsage().heapUsed) }) + '\\n'); }, 10_000);
await Promise.all(Array.from({ length: 50 }, async () => {
  while (left-- > 0) {
    const { body } = await pool.request({ path: '/', method: 'GET' });
    await body.text();
    if (warmRss === undefined && total - left >= WARM) {
      globalThis.gc?.();
      warmRss = rss();
      warmHeap = mb(process.memoryUsage().heapUsed);
    }
  }
}));
clearInterval(timer);
globalThis.gc?.();
const end = rss();
const heap = mb(process.memoryUsage().heapUsed);
process.stdout.write(JSON.stringify({ requests: total, startRssMb: start, warmRssMb: warmRss, endRssMb: end, peakRssMb: Math.max(peak, end), growthFromStartMb: +(end - start).toFixed(1), growthAfterWarmUpMb: warmRss === undefined ? null : +(end - warmRss).toFixed(1), warmHeapMb: warmHeap, endHeapMb: heap, seconds: (Date.now() - t0) / 1000 }) + '\\n');
await pool.close(); server.close();
`,
);
const args = mode === 'register' ? ['--expose-gc', '--import', join(root, 'dist/run/register.js'), app] : ['--expose-gc', app];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CONNSCOPE_REPORT: 'off', CONNSCOPE_REPORT_SIGNAL: 'none' } });
child.on('exit', (code) => process.exit(code ?? 1));
