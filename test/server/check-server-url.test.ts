import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { run } from '../../src/cli/program.js';
import { measureBackendIdle } from '../../src/probe/backend-idle.js';
import { captureIO } from '../helpers/cli-io.js';
import { freePort } from '../probe/nginx-server.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpServer, httpsServer } from '../helpers/servers.js';

// check-server --url measures the backend's real idle timeout (probe's idle-timeout logic) instead of
// taking --keepalive-timeout on trust. Node 20 closes an idle socket about 1 s after keepAliveTimeout:
// the measured close, not the setting, is what a load balancer races.

const exec = promisify(execFile);

const short = await httpServer((_req, res) => res.end('ok'));
short.server.keepAliveTimeout = 1000;
const long = await httpServer((_req, res) => res.end('ok'));
long.server.keepAliveTimeout = 65_000;
long.server.headersTimeout = 66_000;
const closing = await httpServer((_req, res) => {
  res.setHeader('connection', 'close');
  res.end('ok');
});
after(() => Promise.all([short.close(), long.close(), closing.close()]));

test('check-server --url: a backend with keepAliveTimeout 1000 behind a 60 s balancer → measured close and server-keepalive-below-lb', { timeout: 30_000 }, async () => {
  const io = captureIO();
  const before = short.connections;
  const code = await run(['check-server', '--url', `${short.origin}/`, '--lb-idle-timeout', '60000', '--json', '--fail-on', 'error'], io);
  assert.equal(code, 1, io.err);
  const out = JSON.parse(io.out) as { config: { keepAliveTimeoutMs: number }; nodeDefaults: string[]; measured: { idleTimeoutMs: number; hintedIdleTimeoutMs: number }; findings: Array<{ id: string; evidence: Record<string, unknown> }> };
  // ground truth: the setting is 1000 ms; Node closes at about setting + 1 s
  assert.ok(out.measured.idleTimeoutMs >= 900 && out.measured.idleTimeoutMs < 3500, `measured ${out.measured.idleTimeoutMs}`);
  assert.equal(out.measured.hintedIdleTimeoutMs, 1000);
  assert.equal(out.config.keepAliveTimeoutMs, out.measured.idleTimeoutMs);
  assert.ok(!out.nodeDefaults.includes('keepAliveTimeoutMs'));
  assert.deepEqual(out.findings.map((f) => f.id), ['server-keepalive-below-lb']);
  assert.equal(out.findings[0]!.evidence.keepAliveTimeoutMs, out.measured.idleTimeoutMs);
  assert.ok(short.connections - before >= 1, 'the backend saw the measuring connection');

  const text = captureIO({ NO_COLOR: '1' });
  assert.equal(await run(['check-server', '--url', `${short.origin}/`, '--lb-idle-timeout', '60000'], text), 0);
  assert.match(text.out, /the backend closed an idle connection after \d+ ms \(its Keep-Alive hint says 1000 ms\)/);
  assert.match(text.out, /idle close \d+ ms \(measured\)/);
  assert.match(text.out, /ERROR server-keepalive-below-lb/);
});

test('check-server --url: a backend that outlasts the balancer (held past it, still open) → no finding; Connection: close → no idle to race', { timeout: 30_000 }, async () => {
  let io = captureIO();
  let code = await run(['check-server', '--url', `${long.origin}/`, '--lb-idle-timeout', '1500', '--idle-max', '2500ms', '--json', '--fail-on', 'info'], io);
  assert.equal(code, 0, io.err);
  let out = JSON.parse(io.out);
  assert.equal(out.measured.idleTimeoutMs, null);
  assert.ok(out.measured.heldMs >= 1500, `held ${out.measured.heldMs}`);
  assert.equal(out.measured.undecided, false);
  assert.deepEqual(out.findings, []);

  // held less than the balancer's timeout: undecided, the keep-alive check is left out rather than guessed
  io = captureIO({ NO_COLOR: '1' });
  code = await run(['check-server', '--url', `${long.origin}/`, '--lb-idle-timeout', '60000', '--idle-max', '1s'], io);
  assert.equal(code, 0);
  assert.match(io.out, /still open: the backend's idle timeout is at least that; that is not above the load balancer's idle timeout/);
  assert.ok(!io.out.includes('server-keepalive-below-lb'));

  io = captureIO();
  code = await run(['check-server', '--url', `${closing.origin}/`, '--lb-idle-timeout', '60000', '--json'], io);
  assert.equal(code, 0, io.err);
  out = JSON.parse(io.out);
  assert.equal(out.measured.closesAfterResponse, true);
  assert.deepEqual(out.findings, []);
});

test('check-server --url over TLS: verification stays on; --ca trusts the test CA', { timeout: 30_000 }, async () => {
  const tlsBackend = await httpsServer((_req, res) => res.end('ok'));
  tlsBackend.server.keepAliveTimeout = 1000;
  const dir = mkdtempSync(join(tmpdir(), 'connscope-ca-'));
  try {
    const url = `https://localhost:${tlsBackend.port}/`;
    let io = captureIO();
    assert.equal(await run(['check-server', '--url', url, '--json'], io), 3, 'unknown CA: a TLS failure');
    assert.equal(io.err.trim().split('\n').length, 1, io.err);
    // a file without a certificate is refused before any traffic (exit 2), as probe and bench do
    writeFileSync(join(dir, 'key.pem'), tlsBackend.chain.keyPem);
    io = captureIO();
    assert.equal(await run(['check-server', '--url', url, '--ca', join(dir, 'key.pem')], io), 2);
    assert.equal(io.err.trim().split('\n').length, 1, io.err);
    writeFileSync(join(dir, 'ca.pem'), tlsBackend.chain.caPem);
    io = captureIO();
    assert.equal(await run(['check-server', '--url', url, '--ca', join(dir, 'ca.pem'), '--lb-idle-timeout', '60000', '--json'], io), 0, io.err);
    const out = JSON.parse(io.out);
    assert.ok(out.measured.idleTimeoutMs >= 900 && out.measured.idleTimeoutMs < 3500, `measured ${out.measured.idleTimeoutMs}`);
    assert.deepEqual(out.findings.map((f: { id: string }) => f.id), ['server-keepalive-below-lb']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await tlsBackend.close();
  }
});

test('check-server --url: bad input and an unreachable backend give one line and exit 2 / 3', { timeout: 30_000 }, async () => {
  for (const bad of [['--idle-max', '3s'], ['--url', 'ftp://127.0.0.1/'], ['--url', 'http://127.0.0.1:1/', '--idle-max', 'soon'], ['--url', 'http://127.0.0.1:1/', '--ca', '/nonexistent/ca.pem']]) {
    const io = captureIO();
    assert.equal(await run(['check-server', ...bad], io), 2, bad.join(' '));
    assert.equal(io.err.trim().split('\n').length, 1, io.err);
    assert.match(io.err, /^connscope: /);
  }
  const port = await freePort();
  const io = captureIO();
  assert.equal(await run(['check-server', '--url', `http://user:secret@127.0.0.1:${port}/`, '--json'], io), 3);
  assert.match(io.err, /refused/);
  assert.ok(!io.err.includes('secret'), 'credentials never printed');
});

test('measureBackendIdle (library) and the real binary exit as soon as the backend closed', { timeout: 30_000 }, async () => {
  const m = await measureBackendIdle(`${short.origin}/`, { maxMs: 60_000 });
  assert.ok(m.idleTimeoutMs !== null && m.idleTimeoutMs < 3500, `measured ${m.idleTimeoutMs}`);
  const started = Date.now();
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'check-server', '--url', `${short.origin}/`, '--lb-idle-timeout', '60000', '--json', '--fail-on', 'warn'];
  const err = await exec(process.execPath, args, { timeout: 25_000 }).then(() => undefined, (e: { code: number; stdout: string }) => e);
  assert.ok(err, 'exits non-zero');
  assert.equal(err.code, 1);
  assert.equal(JSON.parse(err.stdout).findings[0].id, 'server-keepalive-below-lb');
  // held up to 65 s at most, but the backend closed after about 2 s: the process does not wait out the limit
  assert.ok(Date.now() - started < 25_000);
});
