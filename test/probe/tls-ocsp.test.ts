import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { probe, type ProbeOptions } from '../../src/probe/index.js';
import { testChain } from '../helpers/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

/** An h2-only server; `staple` answers the OCSPRequest event (ground truth: how many staples it sent). */
async function h2Server(staple: boolean): Promise<{ origin: string; stapled: () => number }> {
  const chain = await testChain();
  let stapled = 0;
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem });
  server.on('request', (_q, res) => res.end('h2'));
  if (staple) {
    server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp?: Buffer) => void) => {
      stapled++;
      cb(null, Buffer.from('stapled'));
    });
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => {
    server.close(() => r());
    setTimeout(r, 200).unref();
  }));
  return { origin: `https://localhost:${(server.address() as AddressInfo).port}`, stapled: () => stapled };
}

const variants: [string, ProbeOptions][] = [['--http2', { protocol: 'h2' }], ['--alpn h2', { alpn: ['h2'] }]];
for (const [name, options] of variants) {
  test(`OCSP stapling is checked under ${name}: stapled server vs one without`, { timeout: 20_000 }, async () => {
    const { caPem } = await testChain();
    const s = await h2Server(true);
    const r = await probe(`${s.origin}/`, { ca: caPem, requests: 1, ...options });
    assert.equal(r.error, null);
    assert.equal(r.connections[0]?.protocol, 'h2');
    assert.ok(s.stapled() >= 1);
    assert.equal(r.tls?.ocspStapled, true);
    assert.ok(!r.findings.some((f) => f.id === 'no-ocsp-stapling'));

    const none = await h2Server(false);
    const c = await probe(`${none.origin}/`, { ca: caPem, requests: 1, ...options });
    assert.equal(c.error, null);
    assert.equal(c.tls?.ocspStapled, false);
    assert.ok(c.findings.some((f) => f.id === 'no-ocsp-stapling'));
  });
}
