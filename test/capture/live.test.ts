import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { analyzeCapture } from '../../src/capture/index.js';
import type { PcapConnectionRecord } from '../../src/capture/pcap-record.js';
import { httpServer, httpsServer } from '../helpers/servers.js';

function canCapture(): string | false {
  if (process.getuid?.() !== 0) return 'capturing needs root';
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore', timeout: 5000 });
    return false;
  } catch {
    return 'tcpdump not installed';
  }
}

const dir = mkdtempSync(join(tmpdir(), 'connscope-live-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * tcpdump on loopback for the given ports, running until stop() (which waits for the file to be complete).
 * --immediate-mode: otherwise libpcap holds packets in its ring until a block times out, and SIGINT loses them.
 */
async function startCapture(file: string, ports: number[]): Promise<{ stop: () => Promise<void> }> {
  const filter = ports.map((p) => `tcp port ${p}`).join(' or ');
  const child = spawn('tcpdump', ['-i', 'lo', '-s', '0', '-U', '--immediate-mode', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('tcpdump did not start within 5 s')), 5000);
    child.stderr.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) {
        clearTimeout(deadline);
        resolve();
      }
    });
    child.on('exit', () => {
      clearTimeout(deadline);
      reject(new Error('tcpdump exited'));
    });
  });
  return {
    stop: async () => {
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function get(mod: typeof http | typeof https, url: string, agent: http.Agent, ca?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { agent, ca, servername: 'localhost', timeout: 5000 } as https.RequestOptions, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('timeout', () => req.destroy(new Error('request deadline')));
    req.on('error', reject);
  });
}

test('live capture: connections, resumption and reuse match what the servers saw', { timeout: 45_000, skip: canCapture() }, async () => {
  const reusedOn = (server: https.Server): { reused: number } => {
    const seen = { reused: 0 };
    server.on('secureConnection', (s: TLSSocket) => {
      if (s.isSessionReused()) seen.reused++;
    });
    return seen;
  };
  const tickets = await httpsServer((_q, res) => res.end('ok'));
  // without tickets, TLS 1.3 falls back to stateful tickets that need a session cache Node's server lacks
  const noTickets = await httpsServer((_q, res) => res.end('ok'), { secureOptions: crypto.constants.SSL_OP_NO_TICKET });
  const plain = await httpServer((_q, res) => res.end('ok'));
  const ticketsSeen = reusedOn(tickets.server);
  const noTicketsSeen = reusedOn(noTickets.server);
  const file = join(dir, 'live.pcap');
  const capture = await startCapture(file, [tickets.port, noTickets.port, plain.port]);
  try {
    for (const s of [tickets, noTickets]) {
      const agent = new https.Agent({ keepAlive: false });
      for (let i = 0; i < 3; i++) await get(https, `https://127.0.0.1:${s.port}/r${i}`, agent, s.chain.caPem);
    }
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 3; i++) await get(http, `http://127.0.0.1:${plain.port}/k${i}`, keepAlive);
    keepAlive.destroy();
  } finally {
    await capture.stop();
    await Promise.all([tickets.close(), noTickets.close(), plain.close()]);
  }

  const withTickets = await analyzeCapture(file, { port: tickets.port });
  const recs = [...withTickets.connections.values()] as PcapConnectionRecord[];
  assert.equal(recs.length, tickets.connections, 'one record per connection the server accepted');
  assert.equal(recs.filter((r) => r.tls?.resumed).length, ticketsSeen.reused);
  assert.ok(ticketsSeen.reused >= 1);
  assert.ok(recs.every((r) => r.tls?.servername === 'localhost' && r.tls.version === 'TLSv1.3'));
  assert.ok(recs.every((r) => r.establishment.tls !== undefined && r.establishment.connect !== undefined));
  assert.ok(!withTickets.findings.some((f) => f.id === 'no-session-resumption'));

  const without = await analyzeCapture(file, { port: noTickets.port });
  assert.equal(without.connections.size, noTickets.connections);
  assert.equal(noTicketsSeen.reused, 0);
  assert.equal(without.summary.tls.resumed, 0);
  assert.ok(without.summary.tls.resumptionAttempted >= 1, 'the client offered its cached session');
  assert.ok(without.findings.some((f) => f.id === 'no-session-resumption'), without.findings.map((f) => f.id).join());

  const reuse = await analyzeCapture(file, { port: plain.port });
  assert.equal(reuse.connections.size, plain.connections);
  assert.equal(plain.connections, 1);
  assert.deepEqual(reuse.requests.map((r) => [r.path, r.reused, r.status]), [['/k0', false, 200], ['/k1', true, 200], ['/k2', true, 200]]);
  assert.ok(reuse.requests.every((r) => r.phases.wait !== undefined && r.phases.total >= r.phases.wait!));
});

test('live capture: a client reusing a connection the server closed shows idle-timeout-race and stale-socket-reset', { timeout: 30_000, skip: canCapture() }, async () => {
  // a server that answers, then closes after 400 ms of idle; a client that comes back after 900 ms on the same socket
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sock.once('data', () => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nok');
      setTimeout(() => sock.end(), 400);
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const file = join(dir, 'race.pcap');
  const capture = await startCapture(file, [port]);
  try {
    const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => {});
    await new Promise((r) => client.once('connect', r));
    client.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => client.once('data', r));
    await new Promise((r) => setTimeout(r, 900));
    client.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
    client.destroy();
  } finally {
    await capture.stop();
    await new Promise((r) => server.close(r));
  }
  const s = await analyzeCapture(file);
  const [c] = [...s.connections.values()] as PcapConnectionRecord[];
  assert.equal(s.connections.size, 1);
  assert.equal(c!.close?.closedBy, 'server');
  assert.equal(c!.close?.reason, 'server-idle-timeout');
  assert.equal(c!.pcap.clientDataAfterServerClose, true);
  assert.ok(s.facts.measuredIdleTimeoutMs! >= 350 && s.facts.measuredIdleTimeoutMs! < 2000, String(s.facts.measuredIdleTimeoutMs));
  assert.ok(s.facts.clientIdleTimeoutMs! >= 850, String(s.facts.clientIdleTimeoutMs));
  assert.deepEqual(s.requests.map((r) => [r.path, r.reused, r.status ?? null, r.error?.onReusedSocket ?? null]), [['/first', false, 200, null], ['/second', true, null, true]]);
  const ids = s.findings.map((f) => f.id);
  assert.ok(ids.includes('idle-timeout-race'), ids.join());
  assert.ok(ids.includes('stale-socket-reset'), ids.join());
});
