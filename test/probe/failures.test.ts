import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { probe } from '../../src/probe/index.js';
import { probeToJson } from '../../src/report/json.js';
import { testChain } from '../helpers/servers.js';
import { httpResponder, rawServer, runCli } from './helpers.js';

// Each failure is explained by what the server did: a FIN is not a reset, a partial response is not silence,
// a body after a 204 is named, a TLS port reached over http:// says so, a refused HTTP/2 stream is an h2 failure.

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

test('a FIN right after the headers: "closed after the response headers", not a reset; a real RST still reads as a reset', { timeout: 15_000 }, async () => {
  const fin = await rawServer(httpResponder(() => 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n', (s) => s.end()));
  cleanups.push(fin.close);
  const r = await probe(`${fin.origin}/`, { requests: 1 });
  assert.equal(r.error?.code, 'CONNSCOPE_ERR_RESET');
  assert.match(r.error!.message, /the server closed the connection after the response headers, before the body \(0 of 100 body bytes\)/);
  assert.doesNotMatch(r.error!.message, /reset/);
  // control: the same response cut by an RST after 10 body bytes is a reset
  const rst = await rawServer(httpResponder(() => 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789', (s) => {
    setTimeout(() => s.resetAndDestroy(), 20);
  }));
  cleanups.push(rst.close);
  const r2 = await probe(`${rst.origin}/`, { requests: 1 });
  assert.match(r2.error!.message, /reset mid-response after 10 of 100 body bytes/);
});

test('a server that sends its status line and stalls: a partial response, named, not "never answered"', { timeout: 15_000 }, async () => {
  const slow = await rawServer((s) => s.once('data', () => s.write('HTTP/1.1 200 OK\r\nX-Slow: 1\r\n')));
  cleanups.push(slow.close);
  const started = performance.now();
  const r = await runCli(['probe', `${slow.origin}/`, '--timeout', '800ms']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /receiving the response headers .*partial response, 28 bytes starting "HTTP\/1\.1 200 OK", then stalled before its headers ended/);
  assert.doesNotMatch(r.stderr, /never answered/);
  assert.ok(performance.now() - started < 8000, 'the deadline held');
  // control: a server that sends nothing still "never answered"
  const silent = await rawServer(() => undefined);
  cleanups.push(silent.close);
  const q = await runCli(['probe', `${silent.origin}/`, '--timeout', '800ms']);
  assert.match(q.stderr, /never answered/);
});

test('a 204 or 304 with a body: the error names the earlier bodiless response, on the same request or a later one', { timeout: 20_000 }, async () => {
  for (const status of ['204 No Content', '304 Not Modified']) {
    // body in the same write: the parser meets it right after the bodiless response
    const same = await rawServer(httpResponder((n) => (n === 1 ? `HTTP/1.1 ${status}\r\ncontent-length: 5\r\n\r\nhello` : 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')));
    cleanups.push(same.close);
    const r = await probe(`${same.origin}/`, { requests: 2 });
    assert.equal(r.error?.code, 'CONNSCOPE_ERR_HTTP');
    assert.match(r.error!.message, new RegExp(`the ${status.slice(0, 3)} response to this request must not have a body \\(it declared content-length: 5\\)`));
  }
  // the body comes late, while request 2 waits for its (slow) answer: request 2 is the one that breaks
  const later = await rawServer((s) => {
    let n = 0;
    s.on('data', () => {
      n++;
      if (n > 1) return void setTimeout(() => s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'), 600);
      s.write('HTTP/1.1 204 No Content\r\n\r\n');
      setTimeout(() => s.write('hello'), 300);
    });
  });
  cleanups.push(later.close);
  const r = await probe(`${later.origin}/`, { requests: 2 });
  const failed = r.requests[1];
  assert.equal(r.requests[0]?.status, 204);
  assert.ok(failed?.error, 'request 2 failed on the stray body');
  assert.match(failed.error!.message, /Expected HTTP\/.*the 204 response to request 1 on this connection must not have a body/);
  // control: a 200 followed by garbage is plain "not valid HTTP", with no 204 named
  const garbage = await rawServer(httpResponder(() => 'SSH-2.0-OpenSSH_9.6\r\n\r\n'));
  cleanups.push(garbage.close);
  const g = await probe(`${garbage.origin}/`, { requests: 1 });
  assert.match(g.error!.message, /not valid HTTP/);
  assert.doesNotMatch(g.error!.message, /204|304/);
});

test('http:// to a TLS port: the reset says the server speaks TLS and hints https://; a plain server that hangs up gets no such hint', { timeout: 20_000 }, async () => {
  const chain = await testChain();
  const server = tls.createServer({ key: chain.keyPem, cert: chain.chainPem }, (s) => s.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const r = await runCli(['probe', `http://127.0.0.1:${port}/`]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /the server speaks TLS on port \d+ \(it expects TLS: use an https:\/\/ URL\)/);
  const hangUp = await rawServer((s) => s.once('data', () => s.destroy()));
  cleanups.push(hangUp.close);
  const h = await runCli(['probe', `${hangUp.origin}/`]);
  assert.equal(h.code, 3);
  assert.match(h.stderr, /before sending a response/);
  assert.doesNotMatch(h.stderr, /TLS|https/);
});

test('--http2 against SETTINGS_MAX_CONCURRENT_STREAMS 0: JSON maxConcurrentStreams 0 and an h2-layer error', { timeout: 20_000 }, async () => {
  const chain = await testChain();
  let streams = 0;
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem, settings: { maxConcurrentStreams: 0 } }, (_q, res) => res.end('x'));
  server.on('stream', () => streams++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => {
    server.close(() => r());
    setTimeout(r, 200).unref();
  }));
  const port = (server.address() as AddressInfo).port;
  const r = await probe(`https://localhost:${port}/`, { ca: chain.caPem, protocol: 'h2', requests: 1 });
  const j = probeToJson(r) as { http2: { maxConcurrentStreams: number | null }; error: { layer: string; code: string; message: string } | null; requests: { error: { layer: string } | null }[] };
  assert.equal(streams, 0, 'the server processed no stream');
  assert.equal(j.http2.maxConcurrentStreams, 0);
  assert.equal(j.error?.layer, 'h2');
  assert.equal(j.error?.code, 'CONNSCOPE_ERR_H2');
  assert.match(j.error!.message, /refused the HTTP\/2 stream \(REFUSED_STREAM\): its SETTINGS_MAX_CONCURRENT_STREAMS is 0/);
  assert.equal(j.requests[0]?.error?.layer, 'h2');
  // the plain probe (HTTP/1.1 series, SETTINGS read on the side) reports the same 0
  const plain = await probe(`https://localhost:${port}/`, { ca: chain.caPem, requests: 1 });
  assert.equal(plain.http2.maxConcurrentStreams, 0);
});
