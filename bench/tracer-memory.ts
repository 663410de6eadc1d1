// 1,000,000 traced requests: does the process's RSS stay within 50 MB of where it started?
// Run by hand: npx tsx bench/tracer-memory.ts [--requests 1000000]
// The server (raw keep-alive responder) runs in its own process so only the client is measured.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Pool } from 'undici';
import { instrument } from '../src/trace/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const i = process.argv.indexOf('--requests');
const TOTAL = i === -1 ? 1_000_000 : Number(process.argv[i + 1]);
const CONCURRENCY = 64;
const MB = 1024 * 1024;

const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./tracer-server.ts', import.meta.url)), '--raw'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port: number = await new Promise((resolve, reject) => {
  server.stdout.once('data', (d) => resolve((JSON.parse(String(d)) as { port: number }).port));
  server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});

const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8, pipelining: 8 });
let sent = 0;
async function drive(n: number, onProgress?: (done: number) => void): Promise<void> {
  const target = sent + n;
  const worker = async (): Promise<void> => {
    while (sent < target) {
      const mine = ++sent;
      const res = await pool.request({ path: '/', method: 'GET' });
      await res.body.dump();
      if (onProgress && mine % 100_000 === 0) onProgress(mine);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function settled(): Promise<NodeJS.MemoryUsage> {
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage();
}

try {
  await drive(20_000);
  const start = await settled();
  const tracer = instrument();
  let events = 0;
  tracer.on('request', () => void events++);
  tracer.on('connection', () => void events++);
  tracer.on('close', () => void events++);
  const samples: { requests: number; rssMb: number; heapMb: number }[] = [];
  const t0 = Date.now();
  sent = 0;
  await drive(TOTAL, (done) => {
    const m = process.memoryUsage();
    samples.push({ requests: done, rssMb: +(m.rss / MB).toFixed(1), heapMb: +(m.heapUsed / MB).toFixed(1) });
  });
  const elapsedS = (Date.now() - t0) / 1000;
  const end = await settled();
  tracer.stop();
  const maxRss = Math.max(...samples.map((s) => s.rssMb));
  console.table(samples);
  const result = {
    requests: TOTAL,
    events,
    elapsedS,
    rssStartMb: +(start.rss / MB).toFixed(1),
    rssEndMb: +(end.rss / MB).toFixed(1),
    rssGrowthMb: +((end.rss - start.rss) / MB).toFixed(1),
    rssMaxDuringMb: maxRss,
    heapStartMb: +(start.heapUsed / MB).toFixed(1),
    heapEndMb: +(end.heapUsed / MB).toFixed(1),
    withinBudget: end.rss - start.rss < 50 * MB,
  };
  console.log(JSON.stringify(result));
} finally {
  await pool.close();
  server.kill();
}
