// RSS of an app attached with `connscope run`'s register entry over many requests (issue: memory
// is flat however long it runs). The app is a keep-alive undici client and a node:http server in
// one process, so both sides are traced; it prints RSS every second and at the end.
//   npm run build && npx tsx bench/run-memory.ts [--requests 10000000] [--mode register|off]
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
let left = total;
const rss = () => Math.round(process.memoryUsage().rss / 1048576);
const start = rss();
let peak = start;
const t0 = Date.now();
const timer = setInterval(() => { const r = rss(); peak = Math.max(peak, r); process.stdout.write(JSON.stringify({ s: Math.round((Date.now() - t0) / 1000), done: total - left, rssMb: r }) + '\\n'); }, 1000);
await Promise.all(Array.from({ length: 50 }, async () => {
  while (left-- > 0) { const { body } = await pool.request({ path: '/', method: 'GET' }); await body.text(); }
}));
clearInterval(timer);
const end = rss();
process.stdout.write(JSON.stringify({ requests: total, startRssMb: start, peakRssMb: Math.max(peak, end), endRssMb: end, seconds: (Date.now() - t0) / 1000 }) + '\\n');
await pool.close(); server.close();
`,
);
const args = mode === 'register' ? ['--import', join(root, 'dist/run/register.js'), app] : [app];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CONNSCOPE_REPORT: 'off', CONNSCOPE_REPORT_SIGNAL: 'none' } });
child.on('exit', (code) => process.exit(code ?? 1));
