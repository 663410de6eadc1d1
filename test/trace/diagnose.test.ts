import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Session } from '../../src/model/session.js';
import { diagnose } from '../../src/diagnose/index.js';
import { instrument } from '../../src/trace/index.js';
import { httpServer } from '../helpers/servers.js';
import { get } from './httpget.js';
import { oneShotServer } from './raw-server.js';
import { sleep } from './collect.js';

// The tracer's records feed the same rules as every other source: findings come from what it measured.
test('traced sessions diagnose keepalive-disabled and stale-socket-reset', { timeout: 20_000 }, async () => {
  const srv = await httpServer((_req, res) => res.end('ok'));
  const stale = await oneShotServer();
  const tracer = instrument();
  const session = new Session();
  const stopCollecting = session.collect(tracer);
  const noKeepAlive = new http.Agent({ keepAlive: false });
  const keepAlive = new http.Agent({ keepAlive: true });
  try {
    for (let i = 0; i < 4; i++) await get(`${srv.origin}/`, { agent: noKeepAlive });
    await get(`${stale.origin}/`, { agent: keepAlive });
    await get(`${stale.origin}/`, { agent: keepAlive }).catch(() => undefined);
    await sleep(50);
    const ids = diagnose(session).map((f) => f.id);
    assert.ok(ids.includes('keepalive-disabled'), ids.join(','));
    assert.ok(ids.includes('stale-socket-reset'), ids.join(','));
    const stats = session.stats();
    assert.equal(stats.errorsOnReusedSockets, 1);
    assert.equal(stats.closes['client:client-connection-close'], 4);
  } finally {
    stopCollecting();
    tracer.stop();
    noKeepAlive.destroy();
    keepAlive.destroy();
    await srv.close();
    await stale.close();
  }
});
