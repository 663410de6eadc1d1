import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { bench } from '../../src/bench/run.js';
import { httpServer, httpsServer } from '../helpers/servers.js';

const ids = (r: { findings: { id: string }[] }): string[] => r.findings.map((f) => f.id);

const slow = await httpServer((_req, res) => setTimeout(() => res.end('slow'), 10));
after(() => slow.close());

for (const client of ['undici', 'http', 'raw'] as const) {
  test(`${client}: a pool of 2 under concurrency 20 spends most of its time blocked → pool-exhausted`, { timeout: 20_000 }, async () => {
    const before = slow.connections;
    const r = await bench({ url: `${slow.origin}/`, client, concurrency: 20, connections: 2, durationMs: 1000 });
    assert.equal(r.stats.errors, 0);
    assert.equal(r.stats.connectionsOpened, 2);
    assert.equal(slow.connections - before - 1, 2, 'server-side connections (one is the preflight check)');
    assert.ok(r.stats.blockedShare !== null && r.stats.blockedShare > 0.5, `blocked share ${r.stats.blockedShare}`);
    assert.ok(ids(r).includes('pool-exhausted'), ids(r).join());
    const big = await bench({ url: `${slow.origin}/`, client, concurrency: 20, connections: 20, durationMs: 600 });
    assert.ok(!ids(big).includes('pool-exhausted'), `${big.stats.blockedShare} ${ids(big).join()}`);
  });
}

/** A keep-alive server that closes (FIN) a connection once it has sat idle `idleMs`, as nginx's keepalive_timeout does. */
async function idleClosingServer(idleMs: number): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((sock) => {
    accepted++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    sock.on('data', () => {
      clearTimeout(timer);
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      timer = setTimeout(() => sock.end(), idleMs);
    });
    sock.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

test('raw: the server closes idle connections before the client would → measured idle timeout and idle-timeout-race', { timeout: 20_000 }, async () => {
  const s = await idleClosingServer(250);
  try {
    // paced at 3/s: every connection sits idle ~330 ms, longer than the server keeps it
    const r = await bench({ url: `http://127.0.0.1:${s.port}/`, client: 'raw', concurrency: 1, rate: 3, durationMs: 1400, idleTimeoutMs: 5000 });
    assert.ok((r.stats.closes['server:server-idle-timeout'] ?? 0) >= 2, JSON.stringify(r.stats.closes));
    const measured = r.session.facts.measuredIdleTimeoutMs;
    assert.ok(measured !== undefined && measured >= 200 && measured < 1000, `measured ${measured}`);
    assert.equal(r.session.facts.clientIdleTimeoutMs, 5000);
    const found = ids(r);
    assert.ok(found.includes('idle-timeout-race') || found.includes('stale-socket-reset'), found.join());
    // a client that gives up idle sockets first: no race
    const safe = await bench({ url: `http://127.0.0.1:${s.port}/`, client: 'raw', concurrency: 1, rate: 3, durationMs: 1000, idleTimeoutMs: 100 });
    assert.ok((safe.stats.closes['client:client-idle-timeout'] ?? 0) >= 1, JSON.stringify(safe.stats.closes));
    assert.ok(!ids(safe).includes('idle-timeout-race'), ids(safe).join());
  } finally {
    await s.close();
  }
});

/** A server that resets a connection when a request arrives after it sat idle: the stale-socket race, made deterministic. */
async function racingServer(idleMs: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let last = 0;
    sock.on('data', () => {
      if (last && Date.now() - last > idleMs) return sock.resetAndDestroy();
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nok');
      last = Date.now();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

for (const client of ['raw', 'undici'] as const) {
  test(`${client}: requests on reused sockets the server resets → errors on reused sockets and stale-socket-reset`, { timeout: 20_000 }, async () => {
    const s = await racingServer(100);
    try {
      const r = await bench({ url: `http://127.0.0.1:${s.port}/`, client, concurrency: 1, rate: 5, durationMs: 1300 });
      assert.ok(r.stats.errors >= 1, JSON.stringify(r.stats.errorsByCode));
      assert.ok(r.stats.errorsOnReusedSockets >= 1, `on reused ${r.stats.errorsOnReusedSockets}`);
      assert.ok(ids(r).includes('stale-socket-reset'), ids(r).join());
      const f = r.findings.find((x) => x.id === 'stale-socket-reset')!;
      assert.ok(Number(f.evidence.failures) >= 1);
    } finally {
      await s.close();
    }
  });
}

test('raw over TLS: ticket keys rotated on every connection mid-run → resumption-lost', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_req, res) => res.end('ok'));
  let rotate = false;
  // rotated before each handshake, so the ticket the client holds is always for an old key
  s.server.on('connection', () => {
    if (rotate) s.server.setTicketKeys(randomBytes(48));
  });
  const timer = setTimeout(() => (rotate = true), 700);
  try {
    const r = await bench({ url: `${s.origin}/`, client: 'raw', concurrency: 1, keepAlive: false, durationMs: 1500, ca: s.chain.caPem });
    const t = r.session.facts.tls!;
    assert.ok(t.resumptionRateEarly! > 0.8, `early ${t.resumptionRateEarly}`);
    assert.ok(t.resumptionRateLate! < 0.2, `late ${t.resumptionRateLate}`);
    assert.ok(ids(r).includes('resumption-lost'), ids(r).join());
    // a stable server keeps resuming: no finding
    rotate = false;
    const stable = await bench({ url: `${s.origin}/`, client: 'raw', concurrency: 1, keepAlive: false, durationMs: 600, ca: s.chain.caPem });
    assert.ok(!ids(stable).includes('resumption-lost'), ids(stable).join());
  } finally {
    clearTimeout(timer);
    await s.close();
  }
});

test('undici --discard-body: unread bodies keep the pool taken → unconsumed-body', { timeout: 20_000 }, async () => {
  const s = await httpServer((_req, res) => res.end('x'.repeat(256 * 1024)));
  try {
    const before = s.connections;
    const r = await bench({ url: `${s.origin}/`, client: 'undici', concurrency: 4, connections: 2, durationMs: 800, discardBody: true, timeoutMs: 5000 });
    // two responses took the two sockets for good; the other requests could only wait
    assert.equal(r.stats.requests, 2);
    assert.equal(s.connections - before - 1, 2);
    assert.equal(r.session.facts.unconsumedBodies, 2);
    assert.ok(ids(r).includes('unconsumed-body'), ids(r).join());
  } finally {
    await s.close();
  }
});
