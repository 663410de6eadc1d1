import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { bench } from '../../src/bench/run.js';
import type { BenchOptions } from '../../src/bench/options.js';
import { makeCertChain, type CertChain } from '../../src/lab/certs.js';

/**
 * A TCP front that sends its first connection to `firstPort` and every later one to `laterPort`: a
 * client's check before the load meets one server, the connections of the load meet another (used to
 * prove that every connection verifies its server, not only the first).
 */
export async function swapFront(firstPort: number, laterPort: number): Promise<{ url: string; reset: () => void; close: () => Promise<void> }> {
  let accepted = 0;
  const front = net.createServer((sock) => {
    const up = net.connect(++accepted === 1 ? firstPort : laterPort, '127.0.0.1');
    sock.on('error', () => undefined);
    up.on('error', () => sock.destroy());
    sock.pipe(up).pipe(sock);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(front.address() as AddressInfo).port}/`,
    reset: () => (accepted = 0),
    close: () => new Promise<void>((r) => front.close(() => r())),
  };
}

interface SwapServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Runs a TLS bench through a swapFront whose first connection (the check before the load) meets a
 * server with the right certificate and every later one a server whose certificate names another host:
 * with both CAs trusted each request must fail on the name, with only the first CA on the chain.
 * `accepted(server)` is the right server's own count of connections (or handshakes): only the two checks.
 */
export async function assertLaterConnectionsVerify<S extends SwapServer>(
  secureServer: (chain: CertChain) => Promise<S>,
  accepted: (server: S) => number,
  options: Omit<BenchOptions, 'url' | 'ca'>,
): Promise<void> {
  const good = await makeCertChain();
  const otherName = await makeCertChain({ hosts: ['other.example'] });
  const a = await secureServer(good);
  const b = await secureServer(otherName);
  const front = await swapFront(a.port, b.port);
  try {
    // both CAs trusted: the chain verifies, the host name does not match
    const wrongName = await bench({ ...options, url: front.url, ca: good.caPem + otherName.caPem });
    assert.equal(wrongName.stats.statusCodes['200'], undefined);
    assert.deepEqual(wrongName.stats.errorsByCode, { ERR_TLS_CERT_ALTNAME_INVALID: 3 });
    front.reset();
    // only the first CA trusted: the other chain is refused before any name check
    const untrusted = await bench({ ...options, url: front.url, ca: good.caPem });
    assert.equal(untrusted.stats.statusCodes['200'], undefined);
    assert.equal(untrusted.stats.errors, 3);
    assert.match(Object.keys(untrusted.stats.errorsByCode).join(), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/);
    assert.equal(accepted(a), 2, 'only the two checks before the load reached the right server');
  } finally {
    await front.close();
    await a.close();
    await b.close();
  }
}
