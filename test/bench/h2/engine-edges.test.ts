import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { bench } from '../../../src/bench/run.js';

/** The h2 engine's own deadlines and flow control, against node:http2 servers that count what they got. */

test('h2: a later session whose server never sends SETTINGS fails its request with UND_ERR_CONNECT_TIMEOUT naming the step, within --connect-timeout', { timeout: 20_000 }, async () => {
  const h2 = http2.createServer((_req, res) => res.end('ok'));
  let accepted = 0;
  const silent = new Set<net.Socket>();
  // the first connection (the check before the load) reaches a real HTTP/2 server; later ones are accepted and never answered
  const front = net.createServer((sock) => {
    sock.on('error', () => undefined);
    if (++accepted === 1) h2.emit('connection', sock);
    else silent.add(sock);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  try {
    const started = Date.now();
    const r = await bench({ url: `http://127.0.0.1:${(front.address() as AddressInfo).port}/`, client: 'h2', concurrency: 1, requests: 2, durationMs: 8000, connectTimeoutMs: 400 });
    assert.deepEqual(r.stats.errorsByCode, { UND_ERR_CONNECT_TIMEOUT: 2 });
    assert.match(r.errorTable[0]!.example, /connect timed out after 400 ms \(the server's HTTP\/2 SETTINGS not done\)/);
    assert.equal(accepted, 3);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  } finally {
    for (const s of silent) s.destroy();
    await new Promise<void>((r) => front.close(() => r()));
  }
});

test('h2: request bodies larger than the server\'s windows are sent whole (DATA paced by its WINDOW_UPDATEs), every byte counted by the server', { timeout: 20_000 }, async () => {
  // 16 KB stream windows: a 100,000-byte body needs several WINDOW_UPDATEs per stream
  const server = http2.createServer({ settings: { initialWindowSize: 16_384 } });
  const received: number[] = [];
  server.on('stream', (stream) => {
    let n = 0;
    stream.on('data', (d: Buffer) => (n += d.length));
    stream.on('end', () => {
      received.push(n);
      stream.respond({ ':status': 200 });
      stream.end(String(n));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const body = Buffer.alloc(100_000, 'p');
    const r = await bench({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`, client: 'h2', concurrency: 4, requests: 12, durationMs: 10_000, body });
    assert.equal(r.stats.statusCodes['200'], 12, JSON.stringify(r.stats.errorsByCode));
    assert.deepEqual(received, Array(12).fill(100_000));
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('h2: --discard-body cancels each stream once its head arrived (RST_STREAM CANCEL, seen by the server)', { timeout: 20_000 }, async () => {
  const server = http2.createServer();
  let cancelled = 0;
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (stream.rstCode === http2.constants.NGHTTP2_CANCEL) cancelled++;
    });
    stream.respond({ ':status': 200 });
    // a body that would take long: the client stops it
    stream.write(Buffer.alloc(1000, 'x'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const r = await bench({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, client: 'h2', concurrency: 2, requests: 6, durationMs: 10_000, discardBody: true });
    assert.equal(r.stats.statusCodes['200'], 6);
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(cancelled, 6);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
