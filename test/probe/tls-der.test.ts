import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { signatureAlgorithmOf } from '../../src/probe/certificate.js';
import { sessionFacts } from '../../src/probe/tls-session.js';
import { httpsServer } from '../helpers/servers.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

/** A real TLS 1.2 session from a real server (ticket lifetime hint 321 s, its sessionTimeout). */
async function realSession(): Promise<{ session: Buffer; cert: Buffer }> {
  const s = await httpsServer((_q, res) => res.end('x'), { sessionTimeout: 321, maxVersion: 'TLSv1.2' });
  cleanups.push(s.close);
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: s.chain.caPem });
    sock.once('session', (session: Buffer) => {
      resolve({ session, cert: new X509Certificate(s.chain.certPem).raw });
      sock.end();
    });
    sock.once('error', reject);
  });
}

test('session and certificate DER: read from real ones; truncated or garbage bytes give null, never a throw', { timeout: 15_000 }, async () => {
  const { session, cert } = await realSession();
  assert.deepEqual(sessionFacts(session), { ticket: true, ticketLifetimeSec: 321 });
  assert.equal(signatureAlgorithmOf(cert), 'ecdsa-with-SHA256');
  for (let n = 0; n < session.length; n += 7) {
    const r = sessionFacts(session.subarray(0, n));
    assert.ok(r === null || typeof r.ticket === 'boolean');
  }
  for (let n = 0; n < cert.length; n += 11) {
    const r = signatureAlgorithmOf(cert.subarray(0, n));
    assert.ok(r === null || typeof r === 'string');
  }
  assert.equal(sessionFacts(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])), null, 'a length past the end');
  assert.equal(sessionFacts(Buffer.from('not der at all')), null);
  assert.equal(signatureAlgorithmOf(Buffer.alloc(0)), null);
});
