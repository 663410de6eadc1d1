import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Pool } from 'undici';
import { collect, until } from './collect.js';
import { get } from './httpget.js';
import { oneShotServer, type RawServer } from './raw-server.js';

describe('tracer: the stale-socket race', { timeout: 20_000 }, () => {
  let srv: RawServer;
  before(async () => {
    srv = await oneShotServer();
  });
  after(() => srv.close());

  test('node:http: the error on the reused socket is flagged onReusedSocket', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true });
    try {
      await get(`${srv.origin}/first`, { agent });
      const err = await get(`${srv.origin}/second`, { agent }).then(() => undefined, (e: unknown) => e);
      assert.ok(err, 'the second request fails');
      await until(() => t.requests.length === 2, 3000, 'two requests');
      const second = t.requests[1]!;
      assert.equal(second.reused, true);
      assert.ok(second.error, 'error recorded');
      assert.equal(second.error.code, 'ECONNRESET');
      assert.equal(second.error.onReusedSocket, true);
      assert.equal(second.error.layer, 'tcp');
      assert.equal(t.requests[0]!.error, undefined);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('undici: UND_ERR_SOCKET on the reused socket is flagged onReusedSocket', async () => {
    const t = collect();
    const pool = new Pool(srv.origin, { connections: 1 });
    try {
      const r1 = await pool.request({ path: '/first', method: 'GET' });
      await r1.body.text();
      const err = await pool.request({ path: '/second', method: 'GET' }).then(async (r) => void (await r.body.text()), (e: unknown) => e);
      assert.ok(err, 'the second request fails');
      await until(() => t.requests.length === 2, 3000, 'two requests');
      const second = t.requests[1]!;
      assert.equal(second.reused, true);
      assert.equal(second.error?.code, 'UND_ERR_SOCKET');
      assert.equal(second.error?.onReusedSocket, true);
    } finally {
      await pool.destroy();
      t.stop();
    }
  });
});
