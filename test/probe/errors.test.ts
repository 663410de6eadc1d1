import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { httpsServer } from '../helpers/servers.js';
import { httpResponder, OFFLINE, rawServer, runCli, spawnCli, type Captured } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'connscope-errors-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
  rmSync(dir, { recursive: true, force: true });
});

/** One line on stderr, no stack trace. */
function oneLine(r: Captured, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
}

test('malformed URL → exit 2', async () => {
  const r = await runCli(['probe', 'http://exa mple.com:99999/']);
  assert.equal(r.code, 2);
  oneLine(r, /^connscope: malformed URL/);
});

test('unsupported scheme → exit 2', async () => {
  const r = await runCli(['probe', 'ftp://127.0.0.1/file']);
  assert.equal(r.code, 2);
  oneLine(r, /unsupported scheme "ftp"/);
});

test('bad option values → exit 2 before any traffic', async () => {
  for (const argv of [
    ['--fail-on', 'fatal'],
    ['--tls-max', '1.1'],
    ['--ca', '/nonexistent/ca.pem'],
    ['-H', 'no-colon-here'],
    ['--requests', '0'],
    ['--timeout', 'soon'],
    ['--resolve', 'example.com:443'],
    ['--http1.1', '--http2'],
    ['--tls-min', '1.3', '--tls-max', '1.2'],
    ['--http1.1', '--alpn', 'h2'],
  ]) {
    const r = await runCli(['probe', 'https://127.0.0.1:1/', ...argv]);
    assert.equal(r.code, 2, `${argv.join(' ')} → ${r.stderr}`);
    oneLine(r, /^connscope: /);
  }
});

// Name lookups run in a network namespace without routes (OFFLINE): the lookup fails on this machine
// and no query for the name leaves it.
test('DNS failure → exit 3', { timeout: 20_000, skip: OFFLINE ? false : 'unshare -n is not available (needs root and util-linux)' }, async () => {
  const r = await spawnCli(['probe', 'http://connscope-test.invalid/', '--timeout', '10'], {}, 20_000, OFFLINE);
  assert.equal(r.code, 3);
  oneLine(r, /cannot resolve connscope-test\.invalid/);
  assert.equal(r.stdout, '');
});

test('refused connection → exit 3', { timeout: 10_000 }, async () => {
  const server = net.createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((res) => server.close(() => res()));
  const r = await runCli(['probe', `http://127.0.0.1:${port}/`]);
  assert.equal(r.code, 3);
  oneLine(r, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}`));
});

test('certificate failure → exit 3, says why and suggests --ca; --insecure works and warns', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const r = await runCli(['probe', `https://localhost:${s.port}/`]);
  assert.equal(r.code, 3);
  oneLine(r, /certificate verification failed: .*--ca/);
  const k = await runCli(['probe', `https://localhost:${s.port}/`, '--insecure', '-n', '1']);
  assert.equal(k.code, 0, k.stderr);
  assert.match(k.stderr, /--insecure: certificate verification is OFF/);
  assert.match(k.stdout, /certificate verification is OFF/);
});

test('wrong host name on the certificate → exit 3 with the name', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  // (a --ca with no certificate would be refused as usage: the name check needs the real CA)
  writeFileSync(join(dir, 'ca.pem'), s.chain.caPem);
  const r = await runCli(['probe', `https://wrong.localhost:${s.port}/`, '--resolve', `wrong.localhost:${s.port}:127.0.0.1`, '--ca', join(dir, 'ca.pem')]);
  assert.equal(r.code, 3);
  oneLine(r, /does not cover wrong\.localhost/);
});

test('a server that accepts and never answers → exit 3 within the deadline', { timeout: 15_000 }, async () => {
  const s = await rawServer(() => undefined);
  cleanups.push(s.close);
  const started = performance.now();
  const r = await runCli(['probe', `${s.origin}/`, '--timeout', '800ms']);
  assert.equal(r.code, 3);
  oneLine(r, /timed out after \d+ ms waiting for a response .*never answered/);
  assert.ok(performance.now() - started < 5000, 'the deadline held');
});

test('a server that sends garbage → exit 3', { timeout: 10_000 }, async () => {
  const s = await rawServer(httpResponder(() => 'SSH-2.0-OpenSSH_9.6\r\nnot http at all\r\n\r\n'));
  cleanups.push(s.close);
  const r = await runCli(['probe', `${s.origin}/`]);
  assert.equal(r.code, 3);
  oneLine(r, /not valid HTTP/);
});

test('a server that resets mid-response → exit 3', { timeout: 10_000 }, async () => {
  const s = await rawServer(httpResponder(() => 'HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789', (sock) => {
    setTimeout(() => sock.resetAndDestroy(), 20);
  }));
  cleanups.push(s.close);
  const r = await runCli(['probe', `${s.origin}/`]);
  assert.equal(r.code, 3);
  oneLine(r, /reset mid-response after 10 of 1000 body bytes/);
});

test('plain HTTP server probed with https:// → exit 3, says it is not TLS', { timeout: 10_000 }, async () => {
  // like a real HTTP server, it answers the ClientHello bytes with a plain-text 400 and closes
  const s = await rawServer((sock) => sock.once('data', () => sock.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n')));
  cleanups.push(s.close);
  const r = await runCli(['probe', `https://127.0.0.1:${s.port}/`, '--timeout', '5']);
  assert.equal(r.code, 3);
  oneLine(r, /did not answer with TLS .*is it plain http/);
});

test('the real binary: DNS failure and garbage give their exit codes and one line', { timeout: 40_000 }, async () => {
  if (OFFLINE) {
    const dnsFail = await spawnCli(['probe', 'https://connscope-test.invalid/', '--timeout', '10'], {}, 30_000, OFFLINE);
    assert.equal(dnsFail.code, 3);
    oneLine(dnsFail, /cannot resolve/);
  }
  const usage = await spawnCli(['probe', 'gopher://127.0.0.1/']);
  assert.equal(usage.code, 2);
  oneLine(usage, /unsupported scheme/);
});

test('a TCP server that never completes the TLS handshake → exit 3 at --connect-timeout', { timeout: 15_000 }, async () => {
  const s = await rawServer(() => undefined);
  cleanups.push(s.close);
  const started = performance.now();
  const r = await runCli(['probe', `https://127.0.0.1:${s.port}/`, '--connect-timeout', '500ms']);
  assert.equal(r.code, 3);
  oneLine(r, /timed out after 500 ms the TLS handshake/);
  assert.ok(performance.now() - started < 5000);
});

test('--http2 against an HTTP/1.1-only server → exit 3, says so', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const r = await runCli(['probe', `https://127.0.0.1:${s.port}/`, '--http2', '--insecure']);
  assert.equal(r.code, 3);
  // a node:https server refuses an h2-only offer with alert 120; the report explains it
  assert.match(r.stderr, /no application protocol|did not select h2/);
  assert.match(r.stdout, /alpn-no-overlap/);
  assert.match(r.stdout, /serverSelects=http\/1\.1/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
});
