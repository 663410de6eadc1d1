import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Agent, Pool, request } from 'undici';
import { LiveSession } from '../../src/run/live-session.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { instrument, type Tracer } from '../../src/trace/index.js';
import type { ConnectionRecord } from '../../src/model/connection.js';
import type { RequestTrace } from '../../src/model/request.js';
import { watchLeaks } from '../../src/trace/leaks.js';
import { diagnose } from '../../src/diagnose/index.js';
import { Session } from '../../src/model/session.js';
import { httpServer } from '../helpers/servers.js';
import { withDeadline } from './wait.js';

const T = { timeout: 30_000 };

/** Session.collect() does not accept the Tracer type as declared today; the same wiring by hand. */
function collectInto(session: Session, tracer: Tracer): () => void {
  const onConn = (c: ConnectionRecord): void => session.addConnection(c);
  const onReq = (r: RequestTrace): void => session.addRequest(r);
  tracer.on('connection', onConn).on('close', onConn).on('request', onReq);
  return () => void tracer.off('connection', onConn).off('close', onConn).off('request', onReq);
}

function getWith(agent: http.Agent, url: string, read: boolean): Promise<http.IncomingMessage> {
  return withDeadline(
    new Promise((resolve, reject) => {
      const req = http.get(url, { agent }, (res) => {
        if (!read) return resolve(res);
        res.resume();
        res.on('end', () => resolve(res));
      });
      req.on('error', reject);
    }),
    5_000,
    `GET ${url}`,
  );
}

test('a new keep-alive Agent per request: pool-per-request, and sockets growing while concurrency stays flat', T, async () => {
  const served = await httpServer((_req, res) => res.end('ok'));
  const tracer = instrument({ eventLoop: false });
  const session = new Session();
  const stopCollecting = collectInto(session, tracer);
  const watcher = watchLeaks(tracer, { intervalMs: 60_000, facts: session.facts });
  const agents: http.Agent[] = [];
  try {
    watcher.sample();
    for (let i = 0; i < 10; i++) {
      // the bug under test: an agent per request, each keeping its socket open afterwards
      const agent = new http.Agent({ keepAlive: true });
      agents.push(agent);
      await getWith(agent, `${served.origin}/item/${i}`, true);
      watcher.sample();
    }
    assert.equal(served.connections, 10, 'server side: one connection per request');
    const f = watcher.facts();
    assert.equal(f.poolsCreated?.[served.origin], 10);
    const series = f.socketSamples?.[served.origin] ?? [];
    assert.equal(series.length, 10, 'one sample per request (the origin was unknown before the first)');
    assert.equal(series[series.length - 1]!.open, 10, 'all ten sockets still open');
    assert.ok(series.every((s) => s.inflight <= 1));

    const findings = diagnose(session);
    const ppr = findings.find((x) => x.id === 'pool-per-request');
    assert.ok(ppr, `pool-per-request in ${findings.map((x) => x.id)}`);
    assert.equal(ppr.evidence.origin, served.origin);
    assert.equal(ppr.evidence.pools, 10);
    assert.equal(ppr.evidence.requests, 10);
    const grow = findings.find((x) => x.id === 'sockets-growing');
    assert.ok(grow, 'sockets-growing');
    assert.equal(grow.evidence.origin, served.origin);
    assert.ok(Number(grow.evidence.openEnd) >= 8 && Number(grow.evidence.openStart) <= 3, JSON.stringify(grow.evidence));
  } finally {
    watcher.stop();
    stopCollecting();
    tracer.stop();
    for (const a of agents) a.destroy();
    await served.close();
  }
});

test('undici and fetch with a new dispatcher per request: pool-per-request', T, async () => {
  const served = await httpServer((_req, res) => res.end('ok'));
  const tracer = instrument({ eventLoop: false });
  const session = new Session();
  const stopCollecting = collectInto(session, tracer);
  const dispatchers: Agent[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const dispatcher = new Agent();
      dispatchers.push(dispatcher);
      if (i % 2 === 0) {
        const { body } = await withDeadline(request(`${served.origin}/u${i}`, { dispatcher }), 5_000, 'undici request');
        await body.dump();
      } else {
        const res = await withDeadline(fetch(`${served.origin}/f${i}`, { dispatcher } as unknown as RequestInit), 5_000, 'fetch');
        await res.arrayBuffer();
      }
    }
    assert.equal(served.connections, 6);
    const f = diagnose(session).find((x) => x.id === 'pool-per-request');
    assert.ok(f);
    assert.equal(f.evidence.pools, 6);
    assert.match(f.fix.fetch!, /dispatcher/);
  } finally {
    stopCollecting();
    tracer.stop();
    await Promise.all(dispatchers.map((d) => d.close()));
    await served.close();
  }
});

test('one shared agent for the same load gives neither finding (the rules can tell the fix worked)', T, async () => {
  const served = await httpServer((_req, res) => res.end('ok'));
  const tracer = instrument({ eventLoop: false });
  const session = new Session();
  const stopCollecting = collectInto(session, tracer);
  const watcher = watchLeaks(tracer, { intervalMs: 60_000, facts: session.facts });
  const agent = new http.Agent({ keepAlive: true });
  try {
    watcher.sample();
    for (let i = 0; i < 10; i++) {
      await getWith(agent, `${served.origin}/item/${i}`, true);
      watcher.sample();
    }
    assert.equal(served.connections, 1);
    const ids = diagnose(session).map((x) => x.id);
    assert.ok(!ids.includes('pool-per-request') && !ids.includes('sockets-growing') && !ids.includes('unconsumed-body'), ids.join());
  } finally {
    watcher.stop();
    stopCollecting();
    tracer.stop();
    agent.destroy();
    await served.close();
  }
});

test('responses never read keep their sockets: unconsumed-body with the count and the origin', T, async () => {
  // a body bigger than the socket buffers, so it cannot arrive in full while nobody reads it
  const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
  const served = await httpServer((_req, res) => res.end(big));
  const tracer = instrument({ eventLoop: false });
  const session = new Session();
  const stopCollecting = collectInto(session, tracer);
  const watcher = watchLeaks(tracer, { intervalMs: 50, unconsumedAfterMs: 150, facts: session.facts });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const unread: http.IncomingMessage[] = [];
  try {
    for (let i = 0; i < 3; i++) unread.push(await getWith(agent, `${served.origin}/report/${i}`, false));
    await withDeadline((async () => {
      while ((watcher.facts().unconsumedBodies ?? 0) < 3) await sleep(25);
    })(), 5_000, 'three unread bodies seen');
    assert.equal(served.connections, 3, 'each unread response kept its socket, so each request opened a new one');
    const findings = diagnose(session);
    const f = findings.find((x) => x.id === 'unconsumed-body');
    assert.ok(f, findings.map((x) => x.id).join());
    assert.equal(f.evidence.unconsumedBodies, 3);
    assert.equal(f.evidence.topOrigin, served.origin);
    assert.match(f.fix.nodeHttp!, /res\.resume\(\)/);
  } finally {
    watcher.stop();
    stopCollecting();
    tracer.stop();
    for (const r of unread) r.destroy();
    agent.destroy();
    await served.close();
  }
});

test('watchLeaks stays bounded and stops by itself after durationMs', T, async () => {
  const tracer = instrument({ eventLoop: false });
  const watcher = watchLeaks(tracer, { intervalMs: 20, durationMs: 100, maxSamples: 3 });
  try {
    await sleep(300);
    const before = JSON.stringify(watcher.facts());
    await sleep(100);
    assert.equal(JSON.stringify(watcher.facts()), before, 'no sampling after durationMs');
    for (const series of Object.values(watcher.facts().socketSamples ?? {})) assert.ok(series.length <= 3);
  } finally {
    watcher.stop();
    tracer.stop();
  }
});

test('sampled-out requests (counted, not traced, as at run\'s production level): unconsumed-body and pool-per-request still found', T, async () => {
  const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
  const served = await httpServer((req, res) => res.end(req.url === '/big' ? big : 'ok'));
  // sampleRate 0: no undici request is traced; the live session's tally listener makes them counted
  const tracer = instrument({ sampleRate: 0, eventLoopIntervalMs: 20 });
  const live = new LiveSession({ keepRecent: 100, keepSlowest: 10, keepFailed: 100 });
  const stopCollecting = live.collect(tracer);
  const watcher = watchLeaks(tracer, { intervalMs: 50, unconsumedAfterMs: 300 });
  const pool = new Pool(served.origin, { connections: 3 });
  const perRequest: Agent[] = [];
  const unread: { body: { destroy(): void } }[] = [];
  try {
    // warm the pool's three connections, then three requests on them whose bodies are never read
    await Promise.all([0, 1, 2].map(async () => (await pool.request({ path: '/', method: 'GET' })).body.dump()));
    for (let i = 0; i < 3; i++) unread.push(await withDeadline(pool.request({ path: '/big', method: 'GET' }), 5_000, 'unread request'));
    // and a new dispatcher per request
    for (let i = 0; i < 5; i++) {
      const dispatcher = new Agent();
      perRequest.push(dispatcher);
      await (await withDeadline(request(`${served.origin}/p${i}`, { dispatcher }), 5_000, 'request')).body.dump();
    }
    await withDeadline((async () => {
      while ((watcher.facts().unconsumedBodies ?? 0) < 3) await sleep(25);
    })(), 5_000, 'three unread bodies seen');
    const session = live.snapshot();
    session.facts = watcher.facts();
    const ids = diagnose(session).map((f) => f.id);
    assert.ok(ids.includes('unconsumed-body'), ids.join());
    assert.ok(ids.includes('pool-per-request'), ids.join());
    // nothing was traced, yet every finished request was counted
    assert.equal(live.totalsNow().client.requests, 3 + 5);
    assert.equal(session.requests.filter((r) => r.sampled !== false).length, 0);
  } finally {
    watcher.stop();
    stopCollecting();
    tracer.stop();
    for (const u of unread) u.body.destroy();
    await pool.destroy().catch(() => {});
    await Promise.all(perRequest.map((d) => d.close()));
    await served.close();
  }
});

test('sockets opened before the tracer started are counted from the pools, unless the watcher is told it started with the process', T, async () => {
  const served = await httpServer((_req, res) => res.end('ok'));
  const pool = new Pool(served.origin, { connections: 4 });
  try {
    // four connections open and idle before any tracer exists: no connection record will ever name them
    await Promise.all([0, 1, 2, 3].map(async () => (await pool.request({ path: '/', method: 'GET' })).body.dump()));
    const tracer = instrument({ dispatchers: [pool] });
    const asked = watchLeaks(tracer, { intervalMs: 60_000 });
    const told = watchLeaks(tracer, { intervalMs: 60_000, pools: false });
    try {
      asked.sample();
      told.sample();
      const open = (w: typeof asked): number => w.facts().socketSamples?.[served.origin]?.at(-1)?.open ?? 0;
      assert.equal(open(asked), 4, 'the pool reports its four sockets');
      assert.equal(open(told), 0, 'without asking the pools, only connections seen opening count');
    } finally {
      asked.stop();
      told.stop();
      tracer.stop();
    }
  } finally {
    await pool.close();
    await served.close();
  }
});
