import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../src/model/session.js';
import { instrument } from '../../src/trace/index.js';
import { toHar, timingsSum, type HarEntry } from '../../src/report/har.js';
import { httpsServer } from '../helpers/servers.js';
import { runCli, spawnCli } from '../probe/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'connscope-har-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** GET that reads the body; resolves the status or the error, never hangs. */
function get(url: string, agent: https.Agent): Promise<number | Error> {
  return new Promise((resolve) => {
    const req = https.get(url, { agent, family: 4 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', resolve);
    });
    req.setTimeout(5000, () => req.destroy(new Error('deadline 5000 ms')));
    req.on('error', resolve);
  });
}

async function until(cond: () => boolean, what: string, deadlineMs = 3000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function assertTimingSum(e: HarEntry): void {
  assert.ok(Math.abs(timingsSum(e.timings) - e.time) <= 0.01, `time ${e.time} vs timings ${JSON.stringify(e.timings)}`);
  for (const k of ['send', 'wait', 'receive'] as const) assert.ok(e.timings[k] >= 0, k);
  for (const v of Object.values(e.timings)) assert.ok(v === -1 || v >= 0, JSON.stringify(e.timings));
}

test('a traced keep-alive agent: 3 requests on one connection, then a new one, as HAR', { timeout: 20_000 }, async () => {
  const srv = await httpsServer((_q, res) => res.end('ok'));
  const tracer = instrument();
  const session = new Session();
  const stopCollecting = session.collect(tracer);
  const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1, ca: srv.chain.caPem });
  const fresh = new https.Agent({ keepAlive: true, ca: srv.chain.caPem });
  try {
    // URL credentials and a query: node:https sends them as Basic auth; neither may reach the HAR.
    const url = `https://alice:s3cr3t@localhost:${srv.port}/items?token=q-secret`;
    for (let i = 0; i < 3; i++) assert.equal(await get(url, keepAlive), 200);
    assert.equal(await get(url, fresh), 200);
    await until(() => session.requests.length === 4, 'four traced requests');
    assert.equal(srv.connections, 2, 'server saw the reused connection and the new one');

    const har = toHar(session);
    assert.equal(har.log.version, '1.2');
    assert.equal(har.log.creator.name, 'connscope');
    assert.match(har.log.creator.version, /^\d+\.\d+\.\d+/);
    const entries = har.log.entries;
    assert.equal(entries.length, 4);
    const started = entries.map((e) => Date.parse(e.startedDateTime));
    assert.deepEqual(started, [...started].sort((a, b) => a - b), 'entries in start order');

    const [first, second, third, fourth] = entries as [HarEntry, HarEntry, HarEntry, HarEntry];
    for (const t of [first.timings, fourth.timings]) {
      assert.ok(t.dns >= 0 && t.connect >= 0 && t.ssl >= 0, JSON.stringify(t));
      assert.ok(t.connect >= t.ssl, 'HAR connect includes ssl');
    }
    for (const e of [second, third]) {
      assert.deepEqual([e.timings.dns, e.timings.connect, e.timings.ssl], [-1, -1, -1]);
      assert.equal(e._connscope.reused, true);
      assert.ok(e._connscope.idleBeforeMs !== null && e._connscope.idleBeforeMs >= 0);
    }
    assert.deepEqual(entries.map((e) => e._connscope.requestIndexOnConnection), [1, 2, 3, 1]);
    assert.equal(new Set(entries.slice(0, 3).map((e) => e.connection)).size, 1);
    assert.notEqual(fourth.connection, first.connection);
    for (const e of entries) {
      assertTimingSum(e);
      assert.equal(e.response.status, 200);
      assert.equal(e.request.url, `https://localhost:${srv.port}/items`);
      assert.equal(e.request.httpVersion, 'HTTP/1.1');
      assert.equal(e.serverIPAddress, '127.0.0.1');
      assert.deepEqual(e.request.headers, [], 'the model keeps no request headers: none are invented');
      assert.equal(e._connscope.error, null);
    }
    assert.ok(first.response.headers.some((h) => h.name === 'Keep-Alive' && /timeout=\d+/.test(h.value)), JSON.stringify(first.response.headers));
    const text = JSON.stringify(har);
    for (const secret of ['alice', 's3cr3t', 'q-secret', 'token', 'Basic']) assert.ok(!text.includes(secret), secret);
  } finally {
    stopCollecting();
    tracer.stop();
    keepAlive.destroy();
    fresh.destroy();
    await srv.close();
  }
});

test('a failed request: status 0 and its error code under _connscope', { timeout: 10_000 }, async () => {
  // A port that was just free: nothing listens there, so the connect is refused.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const tracer = instrument();
  const session = new Session();
  const stopCollecting = session.collect(tracer);
  const agent = new https.Agent({ keepAlive: true });
  try {
    const outcome = await get(`https://127.0.0.1:${port}/`, agent);
    assert.ok(outcome instanceof Error);
    await until(() => session.requests.length === 1, 'the failed request');
    const [e] = toHar(session).log.entries as [HarEntry];
    assert.equal(e.response.status, 0);
    assert.equal(e.response.httpVersion, '');
    assert.equal(e._connscope.error?.code, 'ECONNREFUSED');
    assert.equal(e.timings.dns, -1, 'an IP literal has no lookup');
    assert.equal(e.timings.ssl, -1, 'the handshake never started');
    assertTimingSum(e);
  } finally {
    stopCollecting();
    tracer.stop();
    agent.destroy();
  }
});

test('probe --har writes the series and the resumption request (real binary)', { timeout: 40_000 }, async () => {
  // the connections that carried requests: the probe's TLS checks make bare handshakes besides (docs/probe.md)
  const carried = new Set<unknown>();
  const srv = await httpsServer((q, res) => {
    carried.add(q.socket);
    res.end('x');
  });
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, srv.chain.caPem);
  const file = join(dir, 'probe.har');
  try {
    const r = await spawnCli(['probe', `https://localhost:${srv.port}/`, '--har', file, '--ca', ca, '--resolve', `localhost:${srv.port}:127.0.0.1`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotThrow(() => JSON.parse(r.stdout), '--json output stays alone on stdout');
    const har = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(har.log.entries.length, 4);
    assert.equal(carried.size, 2, 'series connection + resumption connection');
    assert.equal(new Set(har.log.entries.map((e: HarEntry) => e.connection)).size, 2);
    for (const e of har.log.entries as HarEntry[]) assertTimingSum(e);
  } finally {
    await srv.close();
  }
});

test('probe --har to an unwritable path: one line, exit 2, no traffic', { timeout: 10_000 }, async () => {
  const srv = await httpsServer((_q, res) => res.end('x'));
  try {
    for (const bad of [join(dir, 'missing-dir', 'x.har'), dir]) {
      const r = await runCli(['probe', `https://localhost:${srv.port}/`, '--har', bad]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^connscope: .*--har.*\n$/);
      assert.equal(r.stdout, '');
    }
    assert.equal(srv.connections, 0, 'refused before any request');
    assert.ok(!existsSync(join(dir, 'missing-dir')));
  } finally {
    await srv.close();
  }
});
