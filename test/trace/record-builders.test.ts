// One builder per record fact: a connection's TLS facts, establishment phases and ids are the same
// whichever source reported it (tracer, probe, raw bench engine, server tracing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { ConnectionRecord } from '../../src/model/connection.js';
import type { RequestTrace } from '../../src/model/request.js';
import { sumPhases } from '../../src/model/phases.js';
import { instrument } from '../../src/trace/index.js';
import { instrumentServer } from '../../src/trace/server/index.js';
import { probe } from '../../src/probe/index.js';
import { RawEngine } from '../../src/bench/engines/raw.js';
import { resolveOptions } from '../../src/bench/options.js';
import type { RecordSink } from '../../src/bench/engine.js';
import { httpsServer, type Served } from '../helpers/servers.js';
import type { CertChain } from '../../src/lab/certs.js';

// TLS 1.2 with one ECDHE-ECDSA suite: its OpenSSL name and its IANA name differ, so a source that
// reports `cipher.name` is told apart from one that reports `cipher.standardName`.
const SUITE = 'ECDHE-ECDSA-AES128-GCM-SHA256';

interface Seen {
  name: string;
  standardName: string;
  version: string | null;
}

let served: Served<https.Server> & { chain: CertChain };
/** What the server's own sockets negotiated: the ground truth each source is compared with. */
const serverSide: Seen[] = [];

before(async () => {
  served = await httpsServer((_req, res) => res.end('ok'), { maxVersion: 'TLSv1.2', ciphers: SUITE });
  served.server.on('secureConnection', (s: TLSSocket) => {
    const c = s.getCipher();
    serverSide.push({ name: c.name, standardName: c.standardName, version: s.getProtocol() });
  });
});
after(() => served.close());

function truth(): Seen {
  assert.ok(serverSide.length > 0, 'the server saw a TLS connection');
  const first = serverSide[0]!;
  for (const s of serverSide) assert.deepEqual(s, first, 'every connection negotiated the same suite');
  assert.notEqual(first.standardName, first.name, 'the suite has distinct IANA and OpenSSL names');
  return first;
}

/** Runs `n` requests through a raw engine and returns what it reported. */
async function rawRun(n: number): Promise<{ connections: ConnectionRecord[]; requests: RequestTrace[]; epochBefore: number; epochAfter: number }> {
  const connections: ConnectionRecord[] = [];
  const requests: RequestTrace[] = [];
  const sink: RecordSink = { connection: (c) => connections.push(c), request: (r) => requests.push(r), close: () => {} };
  const engine = new RawEngine({ options: resolveOptions({ url: `${served.origin}/`, client: 'raw', ca: served.chain.caPem, requests: n, concurrency: 2, keepAlive: false }), sink });
  const epochBefore = Date.now();
  try {
    await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
      engine.send((status, err) => (err ? reject(err as Error) : status === 200 ? resolve() : reject(new Error(`status ${status}`))));
    })));
  } finally {
    await engine.close();
  }
  return { connections, requests, epochBefore, epochAfter: Date.now() };
}

describe('one TLS record whatever the source', { timeout: 60_000 }, () => {
  test('tracer, probe, raw engine and server tracing report the IANA cipher name and the version the server negotiated', async () => {
    const ciphers = new Map<string, { cipher?: string; version?: string }>();

    // the in-process tracer, on node:https
    const tracer = instrument({ http: true, undici: false, http2: false, eventLoop: false });
    const traced: ConnectionRecord[] = [];
    tracer.on('connection', (c) => traced.push(c));
    try {
      await new Promise<void>((resolve, reject) => {
        https.get(`${served.origin}/`, { ca: served.chain.caPem, agent: new https.Agent({ keepAlive: false }) }, (res) => {
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
    } finally {
      tracer.stop();
    }
    assert.equal(traced.length, 1);
    ciphers.set('tracer', { cipher: traced[0]!.tls?.cipher, version: traced[0]!.tls?.version });

    // the probe (its series runs through the same tracer; its handshakes build TlsInfo themselves)
    const probed = await probe(`${served.origin}/`, { ca: served.chain.caPem, requests: 1 });
    const probedConn = probed.connections.find((c) => c.tls);
    assert.ok(probedConn, 'the probe recorded a TLS connection');
    ciphers.set('probe connection', { cipher: probedConn.tls?.cipher, version: probedConn.tls?.version });
    ciphers.set('probe summary', { cipher: probed.tls?.cipher ?? undefined, version: probed.tls?.version ?? undefined });

    // the raw bench engine, which builds its own records
    const raw = await rawRun(2);
    assert.ok(raw.connections.length >= 1);
    for (const c of raw.connections) ciphers.set(`raw ${c.id}`, { cipher: c.tls?.cipher, version: c.tls?.version });

    // server tracing sees the other end of the same kind of connection
    const serverTracer = instrumentServer(served.server);
    const serverRecords: ConnectionRecord[] = [];
    serverTracer.on('connection', (c) => serverRecords.push(c));
    try {
      await rawRun(1);
    } finally {
      serverTracer.stop();
    }
    assert.ok(serverRecords.length >= 1, 'server tracing saw the connection');
    ciphers.set('server', { cipher: serverRecords[0]!.tls?.cipher, version: serverRecords[0]!.tls?.version });

    const t = truth();
    for (const [source, seen] of ciphers) {
      assert.deepEqual(seen, { cipher: t.standardName, version: t.version }, `${source} reports the negotiated suite by its IANA name`);
    }
    // tracer and probe agree on the certificates the server sent (leaf + intermediate, the root not counted)
    // and the leaf's expiry; the raw engine reads no certificate facts (their cost per connection, tls-info.ts)
    const chain = { depth: 2, bytes: served.chain.derSizes.reduce((x, y) => x + y, 0) };
    const leafValidTo = Math.floor(served.chain.leafNotAfter.getTime() / 1000) * 1000;
    for (const [source, c] of [['tracer', traced[0]!], ['probe', probedConn], ...raw.connections.map((x) => [`raw ${x.id}`, x] as const)] as const) {
      assert.deepEqual(c.tls?.chain, source.startsWith('raw') ? undefined : chain, `${source}: chain`);
      assert.equal(c.tls?.leafValidTo, source.startsWith('raw') ? undefined : leafValidTo, `${source}: leaf expiry`);
    }
  });
});

describe('raw engine records: real ids, pool id, epochs and the model\'s establishment phases', { timeout: 30_000 }, () => {
  test('every connection and request has its own id, one pool id per engine, and epochs of this run', async () => {
    const a = await rawRun(4);
    const b = await rawRun(2);
    // keep-alive off: one connection per request, the server's own count
    assert.equal(a.connections.length, 4);
    const connIds = new Set(a.connections.map((c) => c.id));
    assert.equal(connIds.size, 4, 'connection ids are distinct');
    for (const id of connIds) assert.match(id, /^c\d+$/);
    const poolIds = new Set(a.connections.map((c) => c.poolId));
    assert.equal(poolIds.size, 1, 'one pool id per engine');
    const [poolA] = poolIds;
    assert.match(poolA!, /^raw#\d+$/);
    assert.notEqual(b.connections[0]!.poolId, poolA, 'another engine is another pool');

    // the first request on each new connection gets the full record (the others may take the tally's fast path)
    assert.ok(a.requests.length >= 1);
    assert.equal(new Set(a.requests.map((r) => r.id)).size, a.requests.length, 'request ids are distinct');
    for (const r of a.requests) {
      assert.match(r.id, /^r\d+$/);
      assert.equal(r.poolId, poolA);
      assert.ok(r.connectionId && connIds.has(r.connectionId), 'the request names a connection of this engine');
      assert.ok(r.startedAtEpoch >= a.epochBefore - 5 && r.startedAtEpoch <= a.epochAfter + 5, `startedAtEpoch ${r.startedAtEpoch} within the run`);
    }
    for (const c of a.connections) {
      assert.ok(c.openedAtEpoch >= a.epochBefore - 5 && c.openedAtEpoch <= a.epochAfter + 5, `openedAtEpoch ${c.openedAtEpoch} within the run`);
      const e = c.establishment;
      // an IP literal: no lookup, so no dns phase; TCP and TLS both happened
      assert.equal(e.dns, undefined);
      assert.ok(e.connect !== undefined && e.connect >= 0);
      assert.ok(e.tls !== undefined && e.tls > 0);
      assert.ok(Math.abs(e.total - (e.connect + e.tls)) < 1e-6, 'phases add up to the total');
    }
    // the request that paid for a connection carries the same connect/tls as the connection record
    for (const r of a.requests.filter((x) => x.requestIndexOnConnection === 1 && x.phases.tls !== undefined)) {
      const c = a.connections.find((x) => x.id === r.connectionId)!;
      assert.ok(Math.abs(r.phases.tls! - c.establishment.tls!) < 1e-6, `request ${r.id} tls ${r.phases.tls} vs connection ${c.establishment.tls}`);
      assert.ok(Math.abs(sumPhases(r.phases) - r.phases.total) < 1e-6);
    }
    assert.ok(a.requests.some((x) => x.phases.tls !== undefined), 'at least one request paid a handshake');
  });
});
