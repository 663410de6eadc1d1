import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertChain } from '../../src/lab/certs.js';
import { httpsServer, testChain } from '../helpers/servers.js';
import { runCli, type Captured } from './helpers.js';

// --ca that holds no certificate is refused before any traffic; each verification failure gets the hint for its
// own cause: unknown issuer → --ca, expired → the server renews, wrong name → the names the certificate covers.

const dir = mkdtempSync(join(tmpdir(), 'connscope-ca-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function oneLine(r: Captured): string {
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  return lines[0]!;
}

test('--ca without a certificate (private key, DER, empty, garbage) → exit 2 naming what it holds, and no traffic', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const der = Buffer.from(s.chain.caPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  for (const [name, text, says] of [
    ['key.pem', s.chain.keyPem, /holds no certificate: it holds a private key/],
    ['ca.der', der, /holds no certificate: it is not PEM/],
    ['empty.pem', '', /holds no certificate: it is empty/],
    ['notes.txt', 'just some text\n', /holds no certificate: it is not PEM/],
  ] as const) {
    const path = file(name, text);
    const r = await runCli(['probe', `https://localhost:${s.port}/`, '--ca', path]);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(oneLine(r), new RegExp(`--ca file ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} ${says.source}`));
  }
  assert.equal(s.connections, 0, 'refused before any traffic');
  // control: the real CA works, and a bundle with a key beside the certificate is accepted
  const ok = await runCli(['probe', `https://localhost:${s.port}/`, '--ca', file('bundle.pem', s.chain.keyPem + s.chain.caPem), '-n', '1']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('unknown issuer → the --ca hint; with a --ca of another CA the hint says that file lacks the issuer', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const r = await runCli(['probe', `https://localhost:${s.port}/`]);
  assert.equal(r.code, 3);
  assert.match(oneLine(r), /issuer of the certificate is not trusted .*pass --ca <file> with the issuing CA/);
  const other = await makeCertChain();
  const w = await runCli(['probe', `https://localhost:${s.port}/`, '--ca', file('other.pem', other.caPem)]);
  assert.equal(w.code, 3);
  assert.match(oneLine(w), /the --ca file does not hold the CA that issued this chain/);
});

test('expired certificate → says expired, hint to renew, not --ca', { timeout: 15_000 }, async () => {
  const expired = await makeCertChain({ days: -1 });
  const s = await httpsServer((_q, res) => res.end('x'), {}, expired);
  cleanups.push(s.close);
  const r = await runCli(['probe', `https://localhost:${s.port}/`, '--ca', file('expired-ca.pem', expired.caPem)]);
  assert.equal(r.code, 3);
  const line = oneLine(r);
  assert.match(line, /certificate has expired \(CERT_HAS_EXPIRED\)/);
  assert.match(line, /needs a renewed certificate; --ca cannot fix this/);
  assert.doesNotMatch(line, /pass --ca/);
});

test('wrong host name → names the host and the names the certificate covers, not --ca', { timeout: 15_000 }, async () => {
  const chain = await testChain();
  const s = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const r = await runCli(['probe', `https://wrong.localhost:${s.port}/`, '--resolve', `wrong.localhost:${s.port}:127.0.0.1`, '--ca', file('ca.pem', chain.caPem)]);
  assert.equal(r.code, 3);
  const line = oneLine(r);
  assert.match(line, /does not cover wrong\.localhost \(it covers DNS:localhost, IP:127\.0\.0\.1/);
  assert.doesNotMatch(line, /pass --ca/);
});
