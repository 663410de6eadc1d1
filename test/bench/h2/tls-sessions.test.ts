import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { bench } from '../../../src/bench/run.js';
import { makeCertChain, type CertChain } from '../../../src/lab/certs.js';
import { assertLaterConnectionsVerify } from '../../helpers/swap-front.js';

/**
 * The h2 engine's TLS sessions share one context and keep the chain Node read to check the host name
 * (engines/h2.ts connect()): every session still verifies its server, and its record still carries the chain.
 */

async function secureServer(chain: CertChain): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem });
  let connections = 0;
  server.on('secureConnection', () => connections++);
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The record's chain as the server sent it: leaf + intermediate (the root is not counted), and the leaf's expiry. */
function expectedChain(chain: CertChain): { chain: { depth: number; bytes: number }; leafValidTo: number } {
  return { chain: { depth: 2, bytes: chain.derSizes.reduce((a, b) => a + b, 0) }, leafValidTo: Math.floor(chain.leafNotAfter.getTime() / 1000) * 1000 };
}

test('h2 over TLS: every session of the pool has its chain and leaf expiry in its record, verified with --ca or read anew with --insecure; the server counts the sessions', { timeout: 30_000 }, async () => {
  const chain = await makeCertChain();
  const server = await secureServer(chain);
  try {
    const url = `https://127.0.0.1:${server.port}/`;
    for (const trust of [{ ca: chain.caPem }, { insecure: true }]) {
      const before = server.connections();
      const r = await bench({ url, client: 'h2', connections: 4, concurrency: 16, requests: 400, durationMs: 20_000, ...trust });
      assert.equal(r.stats.statusCodes['200'], 400, JSON.stringify(r.stats.errorsByCode));
      const sessions = [...r.session.connections.values()];
      // the check before the load and the pool's four sessions, as the server counted them
      assert.equal(sessions.length, 4);
      assert.equal(server.connections() - before, 5);
      for (const c of sessions) {
        assert.deepEqual({ chain: c.tls?.chain, leafValidTo: c.tls?.leafValidTo }, expectedChain(chain), `${JSON.stringify(trust).slice(0, 12)} ${c.id}`);
        assert.equal(c.tls?.alpn, 'h2');
      }
    }
  } finally {
    await server.close();
  }
});

test('h2 over TLS: sessions opened after the check before the load still verify their server (a certificate for another name, or from an untrusted CA, fails each request)', { timeout: 30_000 }, async () => {
  await assertLaterConnectionsVerify(secureServer, (s) => s.connections(), { client: 'h2', concurrency: 1, requests: 3, durationMs: 10_000 });
});
