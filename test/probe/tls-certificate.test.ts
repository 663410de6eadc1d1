import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe } from '../../src/probe/index.js';
import { httpsServer, testChain } from '../helpers/servers.js';
import { runCli, spawnCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'connscope-cert-'));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups) await c();
  rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;

test('a 1-year certificate: issuer, names, key, signature, verified; no cert-expires-soon', { timeout: 20_000 }, async () => {
  const chain = await testChain({ days: 365 });
  const s = await httpsServer((_q, res) => res.end('x'), {}, chain);
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  const c = r.tls?.certificate;
  assert.ok(c);
  assert.equal(c.subject, 'CN=localhost');
  assert.equal(c.issuer, 'CN=connscope test intermediate 1');
  assert.deepEqual(c.subjectAltNames, ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']);
  assert.equal(c.keyType, 'EC P-256');
  assert.equal(c.keyBits, 256);
  assert.equal(c.signatureAlgorithm, 'ecdsa-with-SHA256');
  // X.509 times have whole seconds
  assert.equal(Date.parse(c.validTo), Math.floor(chain.leafNotAfter.getTime() / 1000) * 1000);
  assert.equal(c.verified, true);
  assert.equal(c.verifyError, null);
  assert.ok(!r.findings.some((f) => f.id === 'cert-expires-soon'));
});

test('a certificate expiring in 5 days: cert-expires-soon (warn); --cert-expiry-days 3 silences it', { timeout: 20_000 }, async () => {
  const chain = await testChain({ days: 5 });
  const s = await httpsServer((_q, res) => res.end('x'), {}, chain);
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  const f = r.findings.find((x) => x.id === 'cert-expires-soon');
  assert.ok(f);
  assert.equal(f.severity, 'warn');
  assert.ok(Math.abs((f.evidence.daysLeft as number) - 5) <= 0.1, String(f.evidence.daysLeft));
  assert.equal(f.evidence.thresholdDays, 30);
  assert.equal(f.evidence.subject, 'CN=localhost');
  const ca = join(dir, 'ca5.pem');
  writeFileSync(ca, chain.caPem);
  const cli = await runCli(['probe', `https://localhost:${s.port}/`, '--ca', ca, '-n', '1', '--json', '--cert-expiry-days', '3']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.ok(!(JSON.parse(cli.stdout).findings as { id: string }[]).some((x) => x.id === 'cert-expires-soon'));
  const bad = await runCli(['probe', `https://localhost:${s.port}/`, '--ca', ca, '--cert-expiry-days', 'soon']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--cert-expiry-days/);
});

test('an expired certificate: the probe fails (exit 3) but says why: CERT_HAS_EXPIRED, expiry date, cert-expires-soon at error', { timeout: 20_000 }, async () => {
  const chain = await testChain({ days: -2 });
  const s = await httpsServer((_q, res) => res.end('x'), {}, chain);
  cleanups.push(s.close);
  let requests = 0;
  s.server.on('request', () => requests++);
  const r = await probe(`https://localhost:${s.port}/`, { ca: chain.caPem, requests: 1 });
  assert.equal(r.error?.code, 'CONNSCOPE_ERR_TLS');
  assert.match(r.error!.message, /expired/);
  assert.equal(requests, 0, 'nothing was sent over an unverified connection');
  const c = r.tls?.certificate;
  assert.equal(c?.verified, false);
  assert.equal(c?.verifyError, 'CERT_HAS_EXPIRED');
  assert.ok(Date.parse(c!.validTo) < Date.now() - DAY);
  const f = r.findings.find((x) => x.id === 'cert-expires-soon');
  assert.equal(f?.severity, 'error');
  assert.equal(f?.title, 'The server certificate has expired');
  assert.ok((f?.evidence.daysLeft as number) < -1.9);
  // with --insecure the series runs, the certificate is still reported as not verifying
  const insecure = await probe(`https://localhost:${s.port}/`, { ca: chain.caPem, requests: 1, insecure: true });
  assert.equal(insecure.error, null);
  assert.equal(insecure.tls?.certificate?.verified, false);
  assert.equal(insecure.tls?.certificate?.verifyError, 'CERT_HAS_EXPIRED');
  assert.equal(insecure.findings.find((x) => x.id === 'cert-expires-soon')?.severity, 'error');
  const ca = join(dir, 'ca-expired.pem');
  writeFileSync(ca, chain.caPem);
  const cli = await runCli(['probe', `https://localhost:${s.port}/`, '--ca', ca, '-n', '1', '--no-color']);
  assert.equal(cli.code, 3);
  assert.match(cli.stdout, /verified\s+no \(CERT_HAS_EXPIRED\)/);
  assert.match(cli.stdout, /ERROR cert-expires-soon/);
  // the real binary: --insecure runs the series, --fail-on error exits 1 on the expired certificate, one warning line
  const bin = await spawnCli(['probe', `https://localhost:${s.port}/`, '--insecure', '-n', '1', '--json', '--fail-on', 'error', '--cert-expiry-days', '10']);
  assert.equal(bin.code, 1, bin.stderr);
  const j = JSON.parse(bin.stdout);
  assert.equal(j.tls.certificate.verifyError, 'CERT_HAS_EXPIRED');
  assert.equal(j.findings.find((x: { id: string }) => x.id === 'cert-expires-soon').evidence.thresholdDays, 10);
  assert.doesNotMatch(bin.stderr, /\n\s+at /, 'no stack trace');
});

test('a CA not in the trust store: verified false with the reason; --ca fixes it', { timeout: 20_000 }, async () => {
  const chain = await testChain();
  const s = await httpsServer((_q, res) => res.end('x'), {}, chain);
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { requests: 1 });
  assert.equal(r.error?.code, 'CONNSCOPE_ERR_TLS');
  assert.equal(r.tls?.certificate?.verified, false);
  assert.match(r.tls?.certificate?.verifyError ?? '', /^UNABLE_TO_GET_ISSUER_CERT|^UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  assert.equal(r.tls?.certificate?.issuer, 'CN=connscope test intermediate 1');
  assert.ok(!r.findings.some((f) => f.id === 'cert-expires-soon'));
  const ok = await probe(`https://localhost:${s.port}/`, { ca: chain.caPem, requests: 1 });
  assert.equal(ok.tls?.certificate?.verified, true);
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test('an RSA 2048 certificate signed with SHA-384 (made by openssl): key and signature read right', { skip: hasOpenssl ? false : 'openssl not installed', timeout: 20_000 }, async () => {
  const key = join(dir, 'rsa.key');
  const cert = join(dir, 'rsa.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha384', '-days', '200', '-keyout', key, '-out', cert,
    '-subj', '/CN=localhost/O=connscope test', '-addext', 'subjectAltName=DNS:localhost'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const pem = readFileSync(cert, 'utf8');
  const s = await httpsServer((_q, res) => res.end('x'), {}, { caPem: pem, keyPem: readFileSync(key, 'utf8'), certPem: pem, chainPem: pem, derSizes: [], leafNotAfter: new Date() });
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: pem, requests: 1 });
  assert.equal(r.error, null);
  const c = r.tls?.certificate;
  assert.equal(c?.keyType, 'RSA');
  assert.equal(c?.keyBits, 2048);
  assert.equal(c?.signatureAlgorithm, 'sha384WithRSAEncryption');
  assert.equal(c?.subject, 'CN=localhost, O=connscope test');
  assert.deepEqual(c?.subjectAltNames, ['DNS:localhost']);
  assert.equal(c?.verified, true);
});
