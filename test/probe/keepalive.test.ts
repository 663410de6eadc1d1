import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { probe } from '../../src/probe/index.js';
import { httpServer } from '../helpers/servers.js';
import { startLatencyProxy } from '../../src/lab/latency-proxy.js';
import { httpResponder, okResponse, rawServer } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

test('Keep-Alive: timeout=2 gives hintedIdleTimeoutMs 2000; three requests reuse one connection', { timeout: 15_000 }, async () => {
  const s = await httpServer((_req, res) => {
    res.setHeader('Keep-Alive', 'timeout=2');
    res.end('hello');
  });
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { timeoutMs: 10_000 });
  assert.equal(r.error, null);
  assert.equal(r.keepAlive.hintedIdleTimeoutMs, 2000);
  assert.equal(r.keepAlive.keepAliveHeader, 'timeout=2');
  assert.equal(r.keepAlive.serverKeptConnection, true);
  assert.equal(s.connections, 1, 'the server saw one connection for three requests');
  assert.deepEqual(r.requests.map((q) => q.reused), [false, true, true]);
  assert.ok(r.requests[1]!.idleBeforeMs! >= 0);
  // reused requests have no establishment phases; the first has connect but no dns (IP literal)
  assert.equal(r.requests[0]!.phases.dns, undefined);
  assert.ok(r.requests[0]!.phases.connect! >= 0);
  assert.equal(r.requests[1]!.phases.connect, undefined);
  // default client idle timeout 4000 >= hinted 2000: the race finding
  assert.ok(r.findings.some((f) => f.id === 'idle-timeout-race'));
});

test('a server that closes idle connections after 300 ms: measured idle timeout about 300 ms', { timeout: 15_000 }, async () => {
  // answers requests; an idle timer per socket sends FIN after 300 ms without a request
  const s2 = await rawServer((sock) => {
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => sock.end(), 300);
    };
    httpResponder(() => okResponse(), () => arm())(sock);
    sock.on('close', () => clearTimeout(timer));
  });
  cleanups.push(s2.close);
  const r = await probe(`${s2.origin}/`, { idleTimeoutMaxMs: 5000, requests: 1, clientIdleTimeoutMs: 4000 });
  assert.equal(r.error, null);
  const m = r.keepAlive.measuredIdleTimeoutMs;
  assert.ok(m !== null && m >= 250 && m < 1000, `measured ${m}`);
  const race = r.findings.find((f) => f.id === 'idle-timeout-race');
  assert.ok(race, 'client 4000 ms >= server 300 ms');
  assert.equal(race.evidence.serverIdleTimeoutSource, 'measured');
});

test("Node's server.keepAliveTimeout 300 closes at about 1.3 s (Node 20 adds a 1 s buffer) and the probe measures that", { timeout: 15_000 }, async () => {
  const s = await httpServer((_req, res) => res.end('x'));
  s.server.keepAliveTimeout = 300;
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { idleTimeoutMaxMs: 5000, requests: 1 });
  const m = r.keepAlive.measuredIdleTimeoutMs;
  assert.ok(m !== null && m >= 250 && m < 2500, `measured ${m}`);
  // Node hints floor(300/1000) = 0 s
  assert.equal(r.keepAlive.hintedIdleTimeoutMs, 0);
});

test('an idle connection that silently stops answering (NAT/firewall drop) is recognised', { timeout: 20_000 }, async () => {
  const s = await httpServer((_req, res) => res.end('x'));
  cleanups.push(s.close);
  // the proxy stops forwarding on a connection idle for 200 ms, without closing it
  const proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: s.port, delayMs: 0, blackholeAfterIdleMs: 200 });
  cleanups.push(proxy.close);
  const started = performance.now();
  const r = await probe(`http://127.0.0.1:${proxy.port}/`, { idleTimeoutMaxMs: 600, requests: 1 });
  assert.equal(r.keepAlive.measuredIdleTimeoutMs, null);
  assert.ok(r.keepAlive.idleBlackholeAfterMs !== null, 'blackhole recognised');
  assert.ok(performance.now() - started < 10_000);
});

test('a server that closes after 3 requests: maxRequestsPerConnection 3 and server-max-requests', { timeout: 15_000 }, async () => {
  const s = await httpServer((_req, res) => res.end('x'));
  s.server.maxRequestsPerSocket = 3;
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { maxRequests: 20 });
  assert.equal(r.error, null);
  assert.equal(r.keepAlive.maxRequestsPerConnection, 3);
  const f = r.findings.find((x) => x.id === 'server-max-requests');
  assert.ok(f);
  assert.equal(f.evidence.maxRequestsPerConnection, 3);
});

test('a raw server that closes after 3 responses without saying so: 3 as well', { timeout: 15_000 }, async () => {
  const s = await rawServer(httpResponder(() => okResponse(), (sock, n) => {
    if (n === 3) sock.end();
  }));
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { maxRequests: 10, requests: 1 });
  assert.equal(r.keepAlive.maxRequestsPerConnection, 3);
  assert.ok(r.findings.some((x) => x.id === 'server-max-requests'));
});

test('no limit within the cap: maxRequestsPerConnection stays null', { timeout: 15_000 }, async () => {
  const s = await httpServer((_req, res) => res.end('x'));
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { maxRequests: 8, requests: 1 });
  assert.equal(r.keepAlive.maxRequestsPerConnection, null);
  assert.equal(r.keepAlive.maxRequestsWithoutClose, 8);
  assert.ok(!r.findings.some((x) => x.id === 'server-max-requests'));
});

test('Connection: close on every response: server-closes-connection, one connection per request', { timeout: 15_000 }, async () => {
  const s = await httpServer((_req, res) => {
    res.setHeader('Connection', 'close');
    res.end('x');
  });
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, {});
  assert.equal(r.error, null);
  assert.equal(r.keepAlive.serverKeptConnection, false);
  assert.equal(r.keepAlive.connectionHeader, 'close');
  assert.equal(s.connections, 3);
  assert.deepEqual(r.requests.map((q) => q.reused), [false, false, false]);
  assert.ok(r.findings.some((f) => f.id === 'server-closes-connection'));
  // the server's choice is not the client's setting: keepalive-disabled is about the client only
  assert.ok(!r.findings.some((f) => f.id === 'keepalive-disabled'));
  assert.equal(r.facts.keepAliveEnabled, true, "the probe's client keeps alive");
  assert.equal(r.keepAlive.measuredIdleTimeoutMs, null);
});

test('control: a keep-alive server gets neither server-closes-connection nor keepalive-disabled', { timeout: 15_000 }, async () => {
  const s = await httpServer((_req, res) => res.end('x'));
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, {});
  assert.equal(s.connections, 1);
  const ids = r.findings.map((f) => f.id);
  assert.ok(!ids.includes('server-closes-connection') && !ids.includes('keepalive-disabled'), ids.join());
});

test('a server that closes right after the response without saying so: not kept, server-closes-connection (-n 1)', { timeout: 15_000 }, async () => {
  const s = await rawServer(httpResponder(() => okResponse(), (sock) => sock.end()));
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { requests: 1 });
  assert.equal(r.error, null);
  assert.equal(r.keepAlive.connectionHeader, null);
  assert.equal(r.keepAlive.serverKeptConnection, false);
  assert.ok(r.findings.some((f) => f.id === 'server-closes-connection'));
});

test('-n 1 on a keep-alive server with --idle-timeout: the connection was kept (closed later, by the idle timeout)', { timeout: 15_000 }, async () => {
  const s = await httpServer((_req, res) => res.end('x'));
  s.server.keepAliveTimeout = 200;
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { requests: 1, idleTimeoutMaxMs: 4000, timeoutMs: 1000 });
  assert.equal(r.keepAlive.serverKeptConnection, true);
  assert.ok(r.keepAlive.measuredIdleTimeoutMs !== null, 'the idle wait is not cut by --timeout');
});
