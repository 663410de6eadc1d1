import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { probe } from '../../src/probe/index.js';
import { probeToJson } from '../../src/report/json.js';
import { renderProbe } from '../../src/report/terminal/probe.js';
import { httpsServer, testChain } from '../helpers/servers.js';

// http2.supported / used come from handshakes that completed: a failed h2 handshake is no h2 connection, and an
// offer without h2 says nothing about h2 (null, "not checked").

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

test('--alpn h2 / --http2 against a TLS server that refuses h2 (ALPNProtocols http/1.1): no h2 anywhere, supported false', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), { ALPNProtocols: ['http/1.1'] });
  cleanups.push(s.close);
  for (const options of [{ alpn: ['h2'] }, { protocol: 'h2' as const }]) {
    const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, ...options });
    const label = JSON.stringify(options);
    assert.match(r.error?.message ?? '', /no application protocol/, label);
    assert.ok(r.findings.some((f) => f.id === 'alpn-no-overlap'), label);
    const j = probeToJson(r) as { http2: { supported: boolean | null; used: boolean }; connections: { protocol: string; tls: unknown }[] };
    assert.deepEqual({ supported: j.http2.supported, used: j.http2.used }, { supported: false, used: false }, label);
    assert.ok(j.connections.length > 0);
    for (const c of j.connections) assert.equal(c.protocol, 'unknown', `${label}: a failed handshake negotiated nothing`);
    const text = renderProbe(r, { color: false });
    assert.doesNotMatch(text, /h2 offered and selected/);
    assert.match(text, /used by this probe\s+no/);
  }
});

test('--http1.1 and --alpn http/1.1: h2 was never offered, so http2.supported is null ("not checked"), even on an h2 server', { timeout: 20_000 }, async () => {
  const chain = await testChain();
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem, allowHTTP1: true }, (_q, res) => res.end('x'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => {
    server.close(() => r());
    setTimeout(r, 200).unref();
  }));
  const origin = `https://localhost:${(server.address() as AddressInfo).port}/`;
  for (const options of [{ protocol: 'http1.1' as const, alpn: ['http/1.1'] }, { alpn: ['http/1.1'] }]) {
    const r = await probe(origin, { ca: chain.caPem, ...options, requests: 1 });
    assert.equal(r.error, null);
    assert.equal(r.http2.supported, null, JSON.stringify(options));
    assert.equal(r.http2.used, false);
    assert.match(renderProbe(r, { color: false }), /negotiated\s+not checked/);
  }
  // control: the default offer (h2, http/1.1) finds h2 on the same server
  const d = await probe(origin, { ca: chain.caPem, requests: 1 });
  assert.equal(d.http2.supported, true);
  // and an HTTP/1.1-only server offered h2 is a definite no
  const h1 = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(h1.close);
  const no = await probe(`https://localhost:${h1.port}/`, { ca: h1.chain.caPem, requests: 1 });
  assert.equal(no.http2.supported, false);
});

test('--http2 on an h2 server: the session is an h2 connection, used and supported', { timeout: 20_000 }, async () => {
  const chain = await testChain();
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem }, (_q, res) => res.end('x'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => {
    server.close(() => r());
    setTimeout(r, 200).unref();
  }));
  const r = await probe(`https://localhost:${(server.address() as AddressInfo).port}/`, { ca: chain.caPem, protocol: 'h2', requests: 2 });
  assert.equal(r.error, null);
  assert.deepEqual({ supported: r.http2.supported, used: r.http2.used }, { supported: true, used: true });
  assert.equal(r.connections[0]?.protocol, 'h2');
});
