import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bench } from '../../src/bench/index.js';
import { httpsServer } from '../helpers/servers.js';

test('client-session-cache-off: a client with its TLS session cache off pays a full handshake per connection', async () => {
  const srv = await httpsServer((_req, res) => res.end('ok'));
  try {
    const run = (tlsSessionCache: number) =>
      bench({ url: `${srv.origin.replace('127.0.0.1', 'localhost')}/`, client: 'http', concurrency: 1, requests: 6, keepAlive: false, tlsSessionCache, ca: srv.chain.caPem });
    const off = await run(0);
    assert.equal(off.stats.handshakes.resumed, 0);
    assert.ok(off.findings.some((f) => f.id === 'client-session-cache-off'), off.findings.map((f) => f.id).join(','));
    const on = await run(100);
    assert.ok(on.stats.handshakes.resumed > 0, 'with the cache on, later connections resume');
    assert.ok(!on.findings.some((f) => f.id === 'client-session-cache-off'));
  } finally {
    await srv.close();
  }
});
