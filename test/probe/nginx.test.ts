import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe } from '../../src/probe/index.js';
import { testChain } from '../helpers/servers.js';

// A server that is not Node: nginx's keepalive_timeout / keepalive_requests / http2 defaults, as the probe sees them.
const hasNginx = spawnSync('nginx', ['-v']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'connscope-nginx-'));
let child: ChildProcess | undefined;
after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port} within ${deadlineMs} ms`);
}

test('nginx: keepalive_timeout 1s measured, keepalive_requests 4 counted, h2 SETTINGS read', { skip: hasNginx ? false : 'nginx not installed', timeout: 30_000 }, async () => {
  const chain = await testChain();
  writeFileSync(join(dir, 'chain.pem'), chain.chainPem);
  writeFileSync(join(dir, 'key.pem'), chain.keyPem);
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${join(dir, k)};`).join('\n');
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs/error.log')};
events { worker_connections 64; }
http {
  access_log off;
  ${temp}
  keepalive_timeout 1s;
  keepalive_requests 4;
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${join(dir, 'chain.pem')};
    ssl_certificate_key ${join(dir, 'key.pem')};
    location / { return 200 "ok\\n"; }
  }
}
`);
  child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  await waitForPort(port, 5000);
  const r = await probe(`https://localhost:${port}/`, { ca: chain.caPem, idleTimeoutMaxMs: 5000, maxRequests: 20, requests: 2 });
  assert.equal(r.error, null);
  const idle = r.keepAlive.measuredIdleTimeoutMs;
  assert.ok(idle !== null && idle >= 900 && idle < 2500, `measured ${idle}`);
  assert.equal(r.keepAlive.maxRequestsPerConnection, 4);
  assert.equal(r.http2.supported, true);
  assert.equal(r.http2.maxConcurrentStreams, 128, "nginx's default http2_max_concurrent_streams");
  const ids = r.findings.map((f) => f.id);
  for (const id of ['idle-timeout-race', 'server-max-requests', 'h2-available-not-used']) assert.ok(ids.includes(id), id);
});
