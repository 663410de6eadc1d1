import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertChain } from '../../src/lab/certs.js';
import { httpsServer } from '../helpers/servers.js';
import { rawServer, runCli } from './helpers.js';

// bench's preflight (src/bench/preflight.ts) names the step that failed the way probe does: a TCP connection
// whose TLS handshake stalls is a TLS stall, and certificate hints follow the actual verification error.

const dir = mkdtempSync(join(tmpdir(), 'connscope-preflight-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
  rmSync(dir, { recursive: true, force: true });
});

test('bench against a port that accepts TCP and never answers the ClientHello: names the TLS handshake, exit 3', { timeout: 20_000 }, async () => {
  const s = await rawServer(() => undefined);
  cleanups.push(s.close);
  const started = performance.now();
  const r = await runCli(['bench', `https://127.0.0.1:${s.port}/`, '-d', '1', '--connect-timeout', '500ms']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /TCP connected to 127\.0\.0\.1:\d+, but the TLS handshake did not complete within 500 ms/);
  assert.doesNotMatch(r.stderr, /is the target reachable/);
  assert.equal(s.connections, 1, 'TCP did connect');
  assert.ok(performance.now() - started < 10_000);
});

test('bench preflight: an expired certificate says so (no --ca hint); an unknown issuer gets the --ca hint', { timeout: 20_000 }, async () => {
  const expired = await makeCertChain({ days: -1 });
  const s = await httpsServer((_q, res) => res.end('x'), {}, expired);
  cleanups.push(s.close);
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, expired.caPem);
  const r = await runCli(['bench', `https://localhost:${s.port}/`, '-d', '1', '--ca', ca]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /certificate has expired/);
  assert.doesNotMatch(r.stderr, /pass --ca/);
  // (OpenSSL reports the expiry before the unknown issuer: the control is a valid chain nobody trusts)
  const valid = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(valid.close);
  const u = await runCli(['bench', `https://localhost:${valid.port}/`, '-d', '1']);
  assert.equal(u.code, 3, u.stderr);
  assert.match(u.stderr, /not trusted .*pass --ca <file>/);
});

test('bench --ca holding a private key instead of a certificate → exit 2 before any traffic', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const key = join(dir, 'key.pem');
  writeFileSync(key, s.chain.keyPem);
  const r = await runCli(['bench', `https://localhost:${s.port}/`, '-d', '1', '--ca', key]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--ca holds no certificate: it holds a private key/);
  assert.equal(s.connections, 0);
});
