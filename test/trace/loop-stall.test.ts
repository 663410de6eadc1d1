import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { diagnose } from '../../src/diagnose/index.js';
import { Session } from '../../src/model/session.js';
import { ownTime } from '../../src/model/stall.js';
import { httpServer } from '../helpers/servers.js';
import { slowDnsServer } from '../helpers/dns-server.js';
import { dnsmasqMissing, startDnsmasq } from '../helpers/dnsmasq.js';
import { collect, until } from './collect.js';
// @ts-expect-error a plain .mjs fixture (exact line numbers for the profiler), no types
import { holdTheLoopForAWhile } from '../fixtures/loop-blocker.mjs';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const STALL_MS = 300;
const DNS_STALL_MS = 1000;

function get(options: http.RequestOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...options, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function sessionOf(c: ReturnType<typeof collect>): Session {
  const s = new Session();
  for (const x of c.connections) s.addConnection(x);
  for (const x of c.closes) s.addConnection(x);
  for (const r of c.requests) s.addRequest(r);
  return s;
}

test('a stall during the lookup is the loop: event-loop-blocked with the dns stall, not slow-dns', { timeout: 20_000, skip: dnsmasqMissing() }, async () => {
  const server = await httpServer((_q, res) => res.end('ok'));
  cleanups.push(server.close);
  // a real resolver in its own process answers at once while this process holds its loop for STALL_MS
  const dnsServer = await startDnsmasq('stall.test');
  cleanups.push(dnsServer.close);
  const t = collect();
  cleanups.push(t.stop);
  const agent = new http.Agent({ keepAlive: true, lookup: dnsServer.lookup });
  cleanups.push(() => agent.destroy());
  const done = get({ host: 'stall.test', port: server.port, path: '/', agent });
  // long enough for the resolver's answer to be in the socket when the loop is free again, even on a
  // loaded machine where dnsmasq waits its turn for a CPU
  holdTheLoopForAWhile(DNS_STALL_MS);
  assert.equal(await done, 200);
  await until(() => t.requests.length === 1 && t.connections.length === 1, 3000, 'trace');
  const e = t.connections[0]!.establishment;
  assert.ok(e.dns! >= DNS_STALL_MS * 0.8, `dns wall ${e.dns}`);
  assert.ok(e.stalls?.dns !== undefined, `dns stall recorded: ${JSON.stringify(e)}`);
  assert.ok(ownTime(e.dns!, e.stalls.dns) < 100, `dns own time ${ownTime(e.dns!, e.stalls.dns)} (wall ${e.dns}, stall ${e.stalls.dns})`);
  const r = t.requests[0]!;
  assert.ok((r.stalls?.dns ?? 0) >= DNS_STALL_MS * 0.7, `request's dns stall ${JSON.stringify(r.stalls)}`);
  assert.equal(r.eventLoopBlocked, true);
  const ids = diagnose(sessionOf(t)).map((f) => f.id);
  assert.ok(ids.includes('event-loop-blocked'), ids.join());
  assert.ok(!ids.includes('slow-dns'), ids.join());
  assert.ok(!ids.includes('dns-threadpool-saturated'), ids.join());
});

test('a stall during connect on loopback is the loop: no slow-connect', { timeout: 20_000 }, async () => {
  const server = await httpServer((_q, res) => res.end('ok'));
  cleanups.push(server.close);
  const t = collect();
  cleanups.push(t.stop);
  const agent = new http.Agent({ keepAlive: true });
  cleanups.push(() => agent.destroy());
  const done = get({ host: '127.0.0.1', port: server.port, path: '/', agent });
  holdTheLoopForAWhile(STALL_MS);
  assert.equal(await done, 200);
  await until(() => t.requests.length === 1 && t.connections.length === 1, 3000, 'trace');
  const e = t.connections[0]!.establishment;
  assert.ok(e.connect! >= STALL_MS * 0.8, `connect wall ${e.connect}`);
  assert.ok(ownTime(e.connect!, e.stalls?.connect) < 100, `connect own ${ownTime(e.connect!, e.stalls?.connect)} of ${e.connect}`);
  const f = diagnose(sessionOf(t));
  const ids = f.map((x) => x.id);
  assert.ok(ids.includes('event-loop-blocked'), ids.join());
  assert.ok(!ids.includes('slow-connect'), ids.join());
  const blocked = f.find((x) => x.id === 'event-loop-blocked')!;
  assert.ok(Number(blocked.evidence.connectStallMs) >= STALL_MS * 0.7, JSON.stringify(blocked.evidence));
});

test('a slow resolver and no stall: slow-dns, not event-loop-blocked nor dns-threadpool-saturated', { timeout: 20_000 }, async () => {
  const server = await httpServer((_q, res) => res.end('ok'));
  cleanups.push(server.close);
  const dnsServer = await slowDnsServer(300);
  cleanups.push(dnsServer.close);
  const t = collect();
  cleanups.push(t.stop);
  const agent = new http.Agent({ keepAlive: true, lookup: dnsServer.lookup });
  cleanups.push(() => agent.destroy());
  assert.equal(await get({ host: 'slow.test', port: server.port, path: '/', agent }), 200);
  await until(() => t.requests.length === 1 && t.connections.length === 1, 3000, 'trace');
  const e = t.connections[0]!.establishment;
  assert.ok(ownTime(e.dns!, e.stalls?.dns) >= 250, `dns own ${ownTime(e.dns!, e.stalls?.dns)} (wall ${e.dns})`);
  const f = diagnose(sessionOf(t));
  const ids = f.map((x) => x.id);
  assert.ok(ids.includes('slow-dns'), ids.join());
  assert.ok(!ids.includes('event-loop-blocked'), ids.join());
  assert.ok(!ids.includes('dns-threadpool-saturated'), ids.join());
  assert.equal(f.find((x) => x.id === 'slow-dns')!.evidence.queuedInThreadpool, 0);
});
