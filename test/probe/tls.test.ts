import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http2 from 'node:http2';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { probe } from '../../src/probe/index.js';
import { httpsServer, testChain } from '../helpers/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function h2Server(options: http2.SecureServerOptions = {}): Promise<{ origin: string; sessions: () => number }> {
  const chain = await testChain();
  // sessions that carried a stream: the probe's bare handshakes (ALPN check, TLS checks) open sessions with none
  const sessions = new Set<http2.Http2Session>();
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem, ...options });
  server.on('stream', (stream) => stream.session && sessions.add(stream.session));
  // the compatibility 'request' event serves h2 streams and, with allowHTTP1, HTTP/1.1 requests
  server.on('request', (_req, res) => res.end('h2'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  cleanups.push(() => new Promise<void>((r) => {
    server.close(() => r());
    // open sessions would keep close() waiting
    setTimeout(r, 200).unref();
  }));
  return { origin: `https://localhost:${port}`, sessions: () => sessions.size };
}

test('TLS summary, resumption on a new connection, chain depth 2 by default', { timeout: 15_000 }, async () => {
  // connections that served requests: the probe's bare handshakes (ALPN check, TLS checks) send none
  const served = new Set<unknown>();
  const s = await httpsServer((q, res) => {
    served.add(q.socket);
    res.end('x');
  });
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem });
  assert.equal(r.error, null);
  assert.equal(r.tls?.version, 'TLSv1.3');
  assert.ok(r.tls?.cipher);
  assert.ok(r.tls?.group);
  assert.deepEqual(r.tls?.chain, { depth: 2, bytes: s.chain.derSizes.reduce((a, b) => a + b, 0) });
  assert.equal(r.tls?.ocspStapled, false);
  assert.ok(r.tls?.leafValidTo);
  assert.equal(r.tls?.resumption.supported, true);
  assert.ok(r.tls!.resumption.fullHandshakeMs! > 0 && r.tls!.resumption.resumedHandshakeMs! > 0);
  assert.equal(r.requestKinds.at(-1), 'resumption');
  assert.equal(r.connections.at(-1)?.tls?.resumed, true);
  assert.equal(served.size, 2, 'series on one connection + the resumption check');
  assert.equal(r.connections[0]?.tls?.chain?.depth, 2, "the tracer's TLS facts");
  assert.ok(!r.findings.some((f) => f.id === 'no-session-resumption'));
  assert.ok(r.findings.some((f) => f.id === 'no-ocsp-stapling'));
  assert.equal(r.http2.supported, false, 'a node:https server does not select h2');
});

test('no tickets and no session cache (SSL_OP_NO_TICKET): no-session-resumption', { timeout: 15_000 }, async () => {
  // Node's server has no internal session-id cache (only the newSession/resumeSession events), and with
  // SSL_OP_NO_TICKET TLS 1.3 falls back to stateful tickets that need that cache: nothing resumes.
  const s = await httpsServer((_q, res) => res.end('x'), { secureOptions: crypto.constants.SSL_OP_NO_TICKET });
  cleanups.push(s.close);
  for (const max of ['TLSv1.3', 'TLSv1.2'] as const) {
    const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, tlsMax: max, requests: 1 });
    assert.equal(r.tls?.version, max);
    assert.equal(r.tls?.resumption.supported, false, max);
    assert.equal(r.tls?.resumption.resumedHandshakeMs, null);
    const f = r.findings.find((x) => x.id === 'no-session-resumption');
    assert.ok(f, `finding for ${max}`);
  }
});

test('TLS 1.3-only server probed with --tls-max 1.2: tls-version-mismatch, network error', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), { minVersion: 'TLSv1.3' });
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, tlsMax: 'TLSv1.2' });
  assert.equal(r.error?.code, 'CONNSCOPE_ERR_TLS');
  assert.match(r.error!.message, /protocol version/);
  const f = r.findings.find((x) => x.id === 'tls-version-mismatch');
  assert.ok(f);
  assert.equal(f.evidence.serverVersion, 'TLSv1.3');
  assert.equal(f.evidence.clientMax, 'TLSv1.2');
});

test('h2-only server probed with --alpn http/1.1: alpn-no-overlap', { timeout: 15_000 }, async () => {
  const h2 = await h2Server();
  const { caPem } = await testChain();
  const r = await probe(`${h2.origin}/`, { ca: caPem, alpn: ['http/1.1'] });
  assert.equal(r.error?.code, 'CONNSCOPE_ERR_TLS');
  const f = r.findings.find((x) => x.id === 'alpn-no-overlap');
  assert.ok(f);
  assert.equal(f.evidence.offered, 'http/1.1');
  assert.equal(f.evidence.serverSelects, 'h2');
});

test('leaf plus 3 intermediates: depth 4 and long-cert-chain; thresholds are configurable', { timeout: 15_000 }, async () => {
  const chain = await testChain({ intermediates: 3 });
  const s = await httpsServer((_q, res) => res.end('x'), {}, chain);
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: chain.caPem, requests: 1 });
  assert.equal(r.tls?.chain?.depth, 4);
  const f = r.findings.find((x) => x.id === 'long-cert-chain');
  assert.ok(f);
  assert.equal(f.evidence.depth, 4);
  const relaxed = await probe(`https://localhost:${s.port}/`, { ca: chain.caPem, requests: 1, thresholds: { longChainDepth: 4 } });
  assert.ok(!relaxed.findings.some((x) => x.id === 'long-cert-chain'));
});

test('a stapled OCSP response is seen (no no-ocsp-stapling)', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'));
  s.server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp?: Buffer) => void) => cb(null, Buffer.from('stapled')));
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  assert.equal(r.tls?.ocspStapled, true);
  assert.ok(!r.findings.some((f) => f.id === 'no-ocsp-stapling'));
});

test('HTTP/2 server with HTTP/1.1 fallback: h2 supported, SETTINGS max concurrent streams, h2-available-not-used', { timeout: 15_000 }, async () => {
  const h2 = await h2Server({ allowHTTP1: true, settings: { maxConcurrentStreams: 50 } });
  const { caPem } = await testChain();
  const r = await probe(`${h2.origin}/`, { ca: caPem, requests: 2 });
  assert.equal(r.error, null);
  assert.equal(r.http2.supported, true);
  assert.equal(r.http2.maxConcurrentStreams, 50);
  assert.equal(r.tls?.alpn, 'h2');
  assert.ok(r.findings.some((f) => f.id === 'h2-available-not-used'));
});

test('--http2 runs the series as streams over one session', { timeout: 15_000 }, async () => {
  const h2 = await h2Server();
  const { caPem } = await testChain();
  const r = await probe(`${h2.origin}/`, { ca: caPem, protocol: 'h2', requests: 3 });
  assert.equal(r.error, null);
  assert.deepEqual(r.requests.map((q) => q.status), [200, 200, 200, 200]);
  assert.deepEqual(r.requests.slice(0, 3).map((q) => q.reused), [false, true, true]);
  assert.equal(r.connections[0]?.protocol, 'h2');
  assert.equal(r.http2.used, true);
  assert.equal(r.connections[1]?.tls?.resumed, true, 'the new session offered the cached TLS session');
  // SETTINGS come from the series' own session: no third session just to read them
  assert.equal(h2.sessions(), 2, 'series session and resumption session carried the streams');
  assert.equal(r.http2.maxConcurrentStreams, 4294967295, "Node's server advertises no limit");
  assert.ok(!r.findings.some((f) => f.id === 'h2-available-not-used'));
});

test('--alpn h2 (no http/1.1) runs the series over HTTP/2', { timeout: 15_000 }, async () => {
  const h2 = await h2Server();
  const { caPem } = await testChain();
  const r = await probe(`${h2.origin}/`, { ca: caPem, alpn: ['h2'], requests: 2 });
  assert.equal(r.error, null);
  assert.equal(r.connections[0]?.protocol, 'h2');
  assert.equal(r.requests[0]?.httpVersion, '2.0');
});

test('--matrix: TLS 1.3-only h2-only server works only for 1.3 × h2, with reasons for the rest', { timeout: 15_000 }, async () => {
  const h2 = await h2Server({ minVersion: 'TLSv1.3' });
  const { caPem } = await testChain();
  const r = await probe(`${h2.origin}/`, { ca: caPem, protocol: 'h2', requests: 1, matrix: true });
  const m = r.matrix!;
  assert.equal(m.length, 4);
  const ok = m.filter((x) => x.ok).map((x) => `${x.tls}/${x.alpn}`);
  assert.deepEqual(ok, ['TLSv1.3/h2']);
  for (const x of m.filter((y) => !y.ok)) assert.ok(x.reason && x.reason.length > 5, `${x.tls}/${x.alpn} has a reason`);
  assert.match(m.find((x) => x.tls === 'TLSv1.2')!.reason!, /protocol version/);
});

test('a TLS server that rejects every handshake (alert): one clear error', { timeout: 15_000 }, async () => {
  const chain = await testChain();
  // asks for a client certificate and refuses a handshake without one
  const server = tls.createServer({ key: chain.keyPem, cert: chain.chainPem, requestCert: true, rejectUnauthorized: true, ca: chain.caPem }, (s) => s.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const r = await probe(`https://localhost:${port}/`, { ca: chain.caPem, requests: 1 });
  assert.equal(r.error?.code, 'CONNSCOPE_ERR_TLS');
  assert.match(r.error!.message, /alert|closed during the TLS handshake|certificate required/i);
});

test('TLS through a 160 ms-each-way proxy: slow-tls at the default 300 ms; --slow-tls raises the bar', { timeout: 20_000 }, async () => {
  const { startLatencyProxy } = await import('../../src/lab/latency-proxy.js');
  const s = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: s.port, delayMs: 160 });
  cleanups.push(proxy.close);
  const url = `https://localhost:${proxy.port}/`;
  const r = await probe(url, { ca: s.chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  const tlsMs = r.connections[0]!.establishment.tls!;
  assert.ok(tlsMs >= 300, `one TLS 1.3 round trip through the proxy is >= 320 ms, got ${tlsMs}`);
  const f = r.findings.find((x) => x.id === 'slow-tls');
  assert.ok(f);
  assert.equal(f.evidence.thresholdMs, 300);
  const relaxed = await probe(url, { ca: s.chain.caPem, requests: 1, thresholds: { slowTlsMs: 5000 } });
  assert.ok(!relaxed.findings.some((x) => x.id === 'slow-tls'));
});
