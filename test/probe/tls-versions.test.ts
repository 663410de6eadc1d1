import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type https from 'node:https';
import type tls from 'node:tls';
import { probe } from '../../src/probe/index.js';
import { httpsServer } from '../helpers/servers.js';
import { runCli } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

/** The versions the server itself completed handshakes at (ground truth beside the probe's report). */
function versionsSeen(server: https.Server): Set<string> {
  const seen = new Set<string>();
  server.on('secureConnection', (s: tls.TLSSocket) => {
    const v = s.getProtocol();
    if (v) seen.add(v);
  });
  return seen;
}

// OpenSSL 3 (Node 20) still speaks TLS 1.0/1.1, but only at security level 0 on both sides: a server needs
// 'DEFAULT@SECLEVEL=0' as well as minVersion, and the probe offers them the same way.
const LEGACY_SERVER = { minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;

test('a server that accepts TLS 1.0: every version accepted, legacy-tls-accepted (warn); a default server is the control', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), LEGACY_SERVER);
  cleanups.push(s.close);
  const seen = versionsSeen(s.server);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  assert.deepEqual(r.tls?.versions, { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': true, 'TLSv1.3': true });
  for (const v of ['TLSv1', 'TLSv1.1']) assert.ok(seen.has(v), `the server completed a ${v} handshake`);
  const f = r.findings.find((x) => x.id === 'legacy-tls-accepted');
  assert.ok(f);
  assert.equal(f.severity, 'warn');
  assert.equal(f.evidence.legacyAccepted, 'TLSv1, TLSv1.1');
  assert.match(f.fix.server ?? '', /ssl_protocols TLSv1\.2 TLSv1\.3/);
  assert.match(f.fix.server ?? '', /MinVersion: tls\.VersionTLS12/);

  const d = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(d.close);
  const dseen = versionsSeen(d.server);
  const control = await probe(`https://localhost:${d.port}/`, { ca: d.chain.caPem, requests: 1 });
  assert.deepEqual(control.tls?.versions, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
  assert.ok(!dseen.has('TLSv1') && !dseen.has('TLSv1.1'));
  assert.ok(!control.findings.some((x) => x.id === 'legacy-tls-accepted'));
});

test('TLS 1.1 as the oldest version: legacy-tls-accepted at info', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), { ...LEGACY_SERVER, minVersion: 'TLSv1.1' });
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  assert.equal(r.tls?.versions?.TLSv1, false);
  assert.equal(r.tls?.versions?.['TLSv1.1'], true);
  const f = r.findings.find((x) => x.id === 'legacy-tls-accepted');
  assert.equal(f?.severity, 'info');
  assert.equal(f?.evidence.legacyAccepted, 'TLSv1.1');
});

test('TLS 1.3-only server: 1.2 refused, no TLS 1.2 resumption facts', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), { minVersion: 'TLSv1.3' });
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  assert.deepEqual(r.tls?.versions, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': true });
  assert.equal(r.tls?.resumption.tls12, null);
  assert.equal(r.tls?.resumption.tls13?.psk, true);
});

test('a certificate the client does not trust still shows which versions the server speaks', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), LEGACY_SERVER);
  cleanups.push(s.close);
  // no --ca: every verified handshake ends at the certificate, after the server chose the version
  const r = await probe(`https://localhost:${s.port}/`, { requests: 1 });
  assert.equal(r.error?.code, 'CONNSCOPE_ERR_TLS');
  assert.deepEqual(r.tls?.versions, { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': true, 'TLSv1.3': true });
  assert.ok(r.findings.some((x) => x.id === 'legacy-tls-accepted'));
});

test('CLI: --fail-on warn exits 1 on a TLS 1.0 server; the default one has no finding; the report lists the versions', { timeout: 30_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), LEGACY_SERVER);
  cleanups.push(s.close);
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'connscope-tls-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, s.chain.caPem);
  const legacy = await runCli(['probe', `https://localhost:${s.port}/`, '--ca', ca, '-n', '1', '--fail-on', 'warn', '--no-color']);
  assert.equal(legacy.code, 1, legacy.stderr);
  assert.match(legacy.stdout, /versions accepted\s+1\.0, 1\.1, 1\.2, 1\.3/);
  assert.match(legacy.stdout, /legacy-tls-accepted/);
  const d = await httpsServer((_q, res) => res.end('x'), {}, s.chain);
  cleanups.push(d.close);
  // without --fail-on: a busy machine may add an unrelated warn (event-loop-blocked) to the control
  const ok = await runCli(['probe', `https://localhost:${d.port}/`, '--ca', ca, '-n', '1', '--no-color']);
  assert.equal(ok.code, 0, ok.stdout);
  assert.doesNotMatch(ok.stdout, /legacy-tls-accepted/);
  assert.match(ok.stdout, /versions accepted\s+1\.2, 1\.3; refused: 1\.0, 1\.1/);
});
