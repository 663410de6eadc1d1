// Child of threadpool.test.ts (UV_THREADPOOL_SIZE is fixed when the process starts). Holds one
// threadpool thread with fs work Node reports (opening a FIFO blocks until a writer opens it) for
// HOLD_MS, makes LOOKUPS concurrent requests to http://localhost:<port>/ on a fresh non-keep-alive
// agent (one dns.lookup('localhost') each, answered from /etc/hosts: nothing leaves the machine),
// and prints what the tracer and the rules saw plus the ground truth it holds itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../../src/diagnose/index.js';
import { Session } from '../../src/model/session.js';
import { instrument } from '../../src/trace/index.js';

const LOOKUPS = 64;
const HOLD_MS = 600;

const dir = fs.mkdtempSync(join(tmpdir(), 'connscope-pool-'));
const fifo = join(dir, 'hold');
execFileSync('mkfifo', [fifo]);
const server = http.createServer((_q, res) => res.end('ok'));
let accepted = 0;
server.on('connection', () => accepted++);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;

const tracer = instrument();
const session = new Session();
const stop = session.collect(tracer as Parameters<Session['collect']>[0]);

// never outlive the parent's patience, whatever goes wrong
setTimeout(() => {
  console.error('threadpool-child: gave up after 30 s');
  process.exit(3);
}, 30_000).unref();

// one thread held by fs work until a writer opens the FIFO; the writer (O_RDWR never blocks on Linux)
// stays open until the reader's open has returned, so the held thread is always released
let writerFd: number | undefined;
const held = new Promise<void>((resolve) => {
  fs.open(fifo, 'r', (err, fd) => {
    if (!err) fs.closeSync(fd);
    if (writerFd !== undefined) fs.closeSync(writerFd);
    resolve();
  });
});
setTimeout(() => {
  writerFd = fs.openSync(fifo, 'r+');
}, HOLD_MS);

const agent = new http.Agent({ keepAlive: false });
const started = performance.now();
const statuses = await Promise.all(
  Array.from({ length: LOOKUPS }, () =>
    new Promise<number>((resolve) => {
      const req = http.get({ host: 'localhost', port, path: '/', agent, family: 4, timeout: 15_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
    }),
  ),
);
const elapsedMs = performance.now() - started;
await held;
await new Promise((r) => setTimeout(r, 50));
stop();
tracer.stop();
fs.rmSync(dir, { recursive: true, force: true });
server.close();

const findings = diagnose(session);
const conns = [...session.connections.values()];
console.log(JSON.stringify({
  poolSize: process.env.UV_THREADPOOL_SIZE,
  ok: statuses.filter((s) => s === 200).length,
  accepted,
  elapsedMs,
  dnsMs: conns.map((c) => c.establishment.dns ?? null),
  threadpool: conns.map((c) => c.establishment.threadpool ?? null),
  findings: findings.map((f) => ({ id: f.id, evidence: f.evidence })),
}));
