import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { bench } from '../../src/bench/run.js';
import { makeCertChain, type CertChain } from '../../src/lab/certs.js';
import { assertLaterConnectionsVerify } from '../helpers/swap-front.js';

/**
 * The raw engine's TLS connections share one context (engines/raw.ts connect()): a run without keep-alive
 * no longer builds a context per request, and every connection still verifies its server.
 */

async function secureServer(chain: CertChain): Promise<{ port: number; handshakes: () => number; close: () => Promise<void> }> {
  const server = https.createServer({ key: chain.keyPem, cert: chain.chainPem }, (_req, res) => res.end('ok'));
  let handshakes = 0;
  server.on('secureConnection', () => handshakes++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    handshakes: () => handshakes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test('raw over TLS without keep-alive: every request its own verified connection, as the server counts them', { timeout: 30_000 }, async () => {
  const chain = await makeCertChain();
  const server = await secureServer(chain);
  try {
    const r = await bench({ url: `https://127.0.0.1:${server.port}/`, client: 'raw', concurrency: 2, requests: 40, keepAlive: false, tlsSessionCache: 0, durationMs: 20_000, ca: chain.caPem });
    assert.equal(r.stats.statusCodes['200'], 40, JSON.stringify(r.stats.errorsByCode));
    // the check before the load and one connection per request
    assert.equal(server.handshakes(), 41);
  } finally {
    await server.close();
  }
});

test('raw over TLS: connections opened after the check before the load still verify their server (another name, an untrusted CA)', { timeout: 30_000 }, async () => {
  await assertLaterConnectionsVerify(secureServer, (s) => s.handshakes(), { client: 'raw', concurrency: 1, requests: 3, keepAlive: false, durationMs: 10_000 });
});
