// Run by memory.test.ts as `node --expose-gc --import tsx`: drives N traced requests and prints heap figures.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { instrument } from '../../src/trace/index.js';

const TOTAL = Number(process.env.TRACE_REQUESTS ?? 100_000);
const CONCURRENCY = 64;
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=30\r\n\r\nok');

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

async function settleHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

const server = net.createServer((s) => {
  let pending = '';
  s.on('data', (d) => {
    pending += d.toString('latin1');
    let i: number;
    while ((i = pending.indexOf('\r\n\r\n')) !== -1) {
      pending = pending.slice(i + 4);
      s.write(RESPONSE);
    }
  });
  s.on('error', () => {});
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const pool = new Pool(origin, { connections: 8, pipelining: 8 });

async function drive(n: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const res = await pool.request({ path: '/', method: 'GET' });
      await res.body.dump();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

await drive(2000);
const before = await settleHeap();
const tracer = instrument();
let events = 0;
tracer.on('request', () => void events++);
tracer.on('connection', () => void events++);
tracer.on('close', () => void events++);
const started = Date.now();
await drive(TOTAL);
const elapsedMs = Date.now() - started;
const during = await settleHeap();
tracer.stop();
const after = await settleHeap();
await pool.close();
server.close();
process.stdout.write(JSON.stringify({ before, during, after, events, elapsedMs, inflightAtEnd: tracer.inflight().length }) + '\n');
