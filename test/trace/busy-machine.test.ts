import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { bench } from '../../src/bench/index.js';
import { diagnose } from '../../src/diagnose/index.js';
import { Session } from '../../src/model/session.js';
import { probe } from '../../src/probe/index.js';
import { slowDnsServer } from '../helpers/dns-server.js';
import { httpServer, httpsServer } from '../helpers/servers.js';
import { collect, until } from './collect.js';

/**
 * Busy machine: two busy-loop child processes (one per core of the test machine, spawned and ended
 * here, each bounded to HOG_MS) compete with the test for the CPU while probe and bench run against
 * loopback servers. The network is loopback and the resolver /etc/hosts: none of slow-dns,
 * slow-connect, slow-tls, dns-threadpool-saturated or pool-exhausted is true, so none may fire. The
 * positive controls (a resolver that really answers late, a pool that really is too small) still fire.
 */
const HOG_MS = 45_000;
const NETWORK_BLAME = ['slow-dns', 'slow-connect', 'slow-tls', 'dns-threadpool-saturated', 'pool-exhausted'];

const hogs: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

before(async () => {
  for (let i = 0; i < 2; i++) {
    const p = spawn(process.execPath, ['-e', `const end = Date.now() + ${HOG_MS}; let x = 0; while (Date.now() < end) x++;`], { stdio: 'ignore' });
    hogs.push(p);
  }
  // let both hogs get going
  await new Promise((r) => setTimeout(r, 300));
});

after(async () => {
  for (const h of hogs) if (h.exitCode === null) h.kill('SIGKILL');
  for (const c of cleanups.reverse()) await c();
});

function blamed(ids: string[]): string[] {
  return ids.filter((id) => NETWORK_BLAME.includes(id));
}

test('busy machine: probe over http://localhost and https blames neither DNS, connect, TLS nor the pool', { timeout: 60_000 }, async () => {
  assert.ok(hogs.every((h) => h.exitCode === null), 'the CPU hogs are running');
  const plain = await httpServer((_q, res) => res.end('ok'));
  cleanups.push(plain.close);
  const tls = await httpsServer((_q, res) => res.end('ok'));
  cleanups.push(tls.close);
  for (let i = 0; i < 3; i++) {
    const r = await probe(`http://localhost:${plain.port}/`, { requests: 5 });
    assert.equal(r.error, null);
    assert.deepEqual(blamed(r.findings.map((f) => f.id)), [], JSON.stringify(r.findings.map((f) => [f.id, f.evidence])));
    // an IP literal (the certificate names 127.0.0.1): the lookups are the plain probe's, TLS is under test here
    const s = await probe(`https://127.0.0.1:${tls.port}/`, { requests: 5, ca: tls.chain.caPem });
    assert.equal(s.error, null);
    assert.deepEqual(blamed(s.findings.map((f) => f.id)), [], JSON.stringify(s.findings.map((f) => [f.id, f.evidence])));
  }
});

test('busy machine: bench with a pool as large as the concurrency blames neither connect nor the pool', { timeout: 60_000 }, async () => {
  assert.ok(hogs.every((h) => h.exitCode === null), 'the CPU hogs are running');
  const s = await httpServer((_q, res) => res.end('ok'));
  cleanups.push(s.close);
  for (const client of ['undici', 'http'] as const) {
    // an IP literal: the lookups are the probe test's; here connect and the pool are under test
    const r = await bench({ url: `http://127.0.0.1:${s.port}/`, client, concurrency: 10, connections: 40, durationMs: 2000, warmupMs: 0 });
    assert.ok(r.stats.requests > 0);
    assert.deepEqual(blamed(r.findings.map((f) => f.id)), [], `${client}: ${JSON.stringify(r.findings.map((f) => [f.id, f.evidence]))}`);
  }
});

test('busy machine, positive controls: a resolver that answers after 300 ms is slow-dns; a pool of 2 for 20 is pool-exhausted', { timeout: 60_000 }, async () => {
  assert.ok(hogs.every((h) => h.exitCode === null), 'the CPU hogs are running');
  const server = await httpServer((_q, res) => res.end('ok'));
  cleanups.push(server.close);
  const dnsServer = await slowDnsServer(300);
  cleanups.push(dnsServer.close);
  const t = collect();
  cleanups.push(t.stop);
  const agent = new http.Agent({ keepAlive: false, lookup: dnsServer.lookup });
  cleanups.push(() => agent.destroy());
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve, reject) => {
      http.get({ host: 'slow.test', port: server.port, path: '/', agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  }
  await until(() => t.requests.length === 3, 3000, 'traces');
  t.stop();
  const session = new Session();
  for (const c of [...t.connections, ...t.closes]) session.addConnection(c);
  for (const r of t.requests) session.addRequest(r);
  const dns = diagnose(session).find((f) => f.id === 'slow-dns');
  assert.ok(dns, 'slow-dns fires for the slow resolver');
  assert.equal(dns.evidence.slowConnections, 3);
  assert.equal(dnsServer.queries >= 3, true);

  const r = await bench({ url: `http://127.0.0.1:${server.port}/`, client: 'undici', concurrency: 20, connections: 2, durationMs: 2000, warmupMs: 0 });
  assert.ok(r.findings.some((f) => f.id === 'pool-exhausted'), r.findings.map((f) => f.id).join());
});
