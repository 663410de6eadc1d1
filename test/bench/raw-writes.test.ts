import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { bench } from '../../src/bench/run.js';
import { HandleWriter } from '../../src/bench/engines/handle-writer.js';
import { rawServer } from '../helpers/raw-server.js';

const OK = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');

/** Bytes whose every position differs from its neighbours': a chunk lost, doubled or reordered changes the hash. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return b;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('the handle writer: writes the kernel cannot take at once wait in libuv, then arrive whole and in order', { timeout: 20_000 }, async () => {
  const received: Buffer[] = [];
  let server!: net.Socket;
  const srv = await rawServer((s) => {
    server = s;
    s.pause();
    s.on('data', (d: Buffer) => received.push(d));
  });
  const socket = net.connect({ host: '127.0.0.1', port: srv.port });
  try {
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const errors: Error[] = [];
    const writer = new HandleWriter(socket, (e) => errors.push(e), true);
    assert.ok(writer.direct, 'this Node offers the stream binding');
    const pieces = Array.from({ length: 32 }, (_, i) => pattern(256 * 1024, i));
    for (const p of pieces) writer.write(p);
    // 8 MiB into a peer that reads nothing: more than the two socket buffers hold
    assert.ok(writer.pending > 0, `writes waiting in libuv: ${writer.pending}`);
    server.resume();
    const total = pieces.reduce((n, p) => n + p.length, 0);
    const deadline = Date.now() + 10_000;
    while (received.reduce((n, b) => n + b.length, 0) < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(writer.pending, 0);
    assert.equal(sha(Buffer.concat(received)), sha(Buffer.concat(pieces)));
    assert.deepEqual(errors, []);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('the handle writer: a peer that resets with writes waiting: at most one error, never per write, and nothing left waiting', { timeout: 20_000 }, async () => {
  const srv = await rawServer((s) => {
    s.pause();
    setTimeout(() => s.resetAndDestroy(), 100);
  });
  const socket = net.connect({ host: '127.0.0.1', port: srv.port });
  const socketErrors: Array<Error & { code?: string }> = [];
  socket.on('error', (e) => socketErrors.push(e));
  try {
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const errors: Array<Error & { code?: string }> = [];
    const writer = new HandleWriter(socket, (e) => errors.push(e), true);
    for (let i = 0; i < 32; i++) writer.write(pattern(256 * 1024, i));
    assert.ok(writer.pending > 0);
    await new Promise<void>((r) => socket.once('close', () => r()));
    await new Promise((r) => setTimeout(r, 50));
    // the reset reaches the reader first (socket error) or the writer (write error): reported once either way
    assert.equal(socketErrors.length + errors.length >= 1, true);
    assert.ok(errors.length <= 1, `${errors.length} write errors`);
    for (const e of [...errors, ...socketErrors]) assert.match(e.code ?? '', /^(ECONNRESET|EPIPE)$/);
    assert.equal(writer.pending, 0, 'libuv gave back every waiting write (ECANCELED, not reported)');
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('the handle writer: through socket.write when not direct', { timeout: 20_000 }, async () => {
  const got: Buffer[] = [];
  const srv = await rawServer((s) => s.on('data', (d: Buffer) => got.push(d)));
  const socket = net.connect({ host: '127.0.0.1', port: srv.port });
  try {
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let viaSocket = 0;
    const write = socket.write.bind(socket);
    socket.write = ((...a: Parameters<typeof write>) => {
      viaSocket++;
      return write(...a);
    }) as typeof socket.write;
    const writer = new HandleWriter(socket, () => undefined, false);
    assert.equal(writer.direct, false);
    writer.write(Buffer.from('hello'));
    const deadline = Date.now() + 5000;
    while (Buffer.concat(got).length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(viaSocket, 1);
    assert.equal(Buffer.concat(got).toString(), 'hello');
  } finally {
    socket.destroy();
    await srv.close();
  }
});

/** A server that reads each request (head with Content-Length, then the body) and answers 200 once the body is whole. */
function countingServer(onBody: (body: Buffer) => void, startPaused: number): Promise<Awaited<ReturnType<typeof rawServer>>> {
  return rawServer((s) => {
    let buf = Buffer.alloc(0);
    s.pause();
    setTimeout(() => s.resume(), startPaused);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        onBody(buf.subarray(end + 4, end + 4 + length));
        buf = buf.subarray(end + 4 + length);
        s.write(OK);
      }
    });
  });
}

test('raw engine with large pipelined bodies into a slow reader: every request arrives whole, the server counts each one', { timeout: 30_000 }, async () => {
  const body = pattern(1024 * 1024, 7);
  const want = sha(body);
  let whole = 0;
  let damaged = 0;
  const srv = await countingServer((b) => (sha(b) === want ? whole++ : damaged++), 300);
  try {
    const r = await bench({ url: `${srv.origin}/`, client: 'raw', concurrency: 4, connections: 2, pipelining: 2, requests: 24, body, timeoutMs: 10_000, warmupMs: 0 });
    assert.equal(r.stats.errors, 0, JSON.stringify(r.stats.errorsByCode));
    assert.equal(r.stats.statusCodes['200'], 24);
    assert.equal(damaged, 0);
    assert.equal(whole, 24, 'the server read every request body whole');
  } finally {
    await srv.close();
  }
});

test('raw engine: a server that resets while large requests are being written counts connection errors, and the run ends', { timeout: 30_000 }, async () => {
  const srv = await rawServer((s) => {
    let got = 0;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got > 64 * 1024) s.resetAndDestroy();
    });
  });
  try {
    const r = await bench({ url: `${srv.origin}/`, client: 'raw', concurrency: 2, requests: 6, body: pattern(4 * 1024 * 1024, 1), timeoutMs: 10_000, warmupMs: 0 });
    assert.equal(r.stats.requests, 6);
    assert.equal(r.stats.errors, 6);
    for (const code of Object.keys(r.stats.errorsByCode)) assert.match(code, /ECONNRESET|EPIPE/, JSON.stringify(r.stats.errorsByCode));
  } finally {
    await srv.close();
  }
});
