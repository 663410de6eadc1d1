import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../src/diagnose/index.js';
import { idleBlackhole } from '../../src/diagnose/idle-blackhole.js';
import { tcpKeepaliveOff } from '../../src/diagnose/tcp-keepalive-off.js';
import { pipeliningLostRequests } from '../../src/diagnose/pipelining-lost-requests.js';
import { Session } from '../../src/model/session.js';
import type { RequestTrace } from '../../src/model/request.js';
import type { ConnectionRecord } from '../../src/model/connection.js';

let n = 0;
function req(p: Partial<RequestTrace> & { total?: number }): RequestTrace {
  const total = p.total ?? 10;
  return {
    id: `r${++n}`, origin: 'http://127.0.0.1:1', method: 'GET', path: '/', source: 'undici', startedAt: 0, startedAtEpoch: 0,
    phases: { total, wait: total }, reused: false, ...p,
  };
}
function conn(p: Partial<ConnectionRecord>): ConnectionRecord {
  return {
    id: 'c1', origin: 'http://127.0.0.1:1', source: 'undici', protocol: 'http/1.1', openedAt: 0, openedAtEpoch: 0,
    establishment: { total: 1 }, requests: 1, idle: { count: 0, totalMs: 0, maxMs: 0, recent: [] }, ...p,
  };
}
const timeout = { code: 'UND_ERR_HEADERS_TIMEOUT', message: 'Headers Timeout Error', layer: 'http' as const, onReusedSocket: true };
const closed = { code: 'UND_ERR_SOCKET', message: 'other side closed', layer: 'tcp' as const, onReusedSocket: true };

function session(requests: RequestTrace[], facts: Session['facts'] = {}, connections: ConnectionRecord[] = []): Session {
  const s = new Session();
  for (const r of requests) s.addRequest(r);
  for (const c of connections) s.addConnection(c);
  s.facts = facts;
  return s;
}
const ids = (s: Session): string[] => diagnose(s).map((f) => f.id);

test('idle-blackhole: a timeout on a reused socket after a longer idle than any that worked', () => {
  const s = session([req({ reused: true, idleBeforeMs: 100 }), req({ reused: true, idleBeforeMs: 700, error: timeout })]);
  const f = idleBlackhole.evaluate({ session: s, thresholds: {} as never });
  assert.ok(f && !Array.isArray(f));
  assert.equal(f.evidence.timedOutAfterIdle, 1);
  assert.equal(f.evidence.minIdleBeforeTimeoutMs, 700);
  assert.equal(f.evidence.maxIdleThatWorkedMs, 100);
  assert.match(f.fix.undici ?? '', /keepAliveTimeout: 100\b/, 'below the longest idle that worked');
  assert.ok(ids(s).includes('idle-blackhole'));
});

test('idle-blackhole: not when a longer idle worked (a slow server, not a dropped flow) or on a fresh connection', () => {
  assert.ok(!ids(session([req({ reused: true, idleBeforeMs: 900 }), req({ reused: true, idleBeforeMs: 300, error: timeout })])).includes('idle-blackhole'));
  assert.ok(!ids(session([req({ reused: false, error: timeout })])).includes('idle-blackhole'));
  assert.ok(!ids(session([req({ reused: true, idleBeforeMs: 700, error: closed })])).includes('idle-blackhole'));
});

test('idle-blackhole: from a probed drop, only while the client idles longer than the drop', () => {
  assert.ok(ids(session([], { idleBlackholeAfterMs: 30_000, clientIdleTimeoutMs: 60_000 })).includes('idle-blackhole'));
  assert.ok(!ids(session([], { idleBlackholeAfterMs: 30_000, clientIdleTimeoutMs: 10_000 })).includes('idle-blackhole'));
});

test('tcp-keepalive-off: off, or probing later than the drop, with a drop or long idle seen', () => {
  assert.ok(ids(session([], { tcpKeepAlive: false, idleBlackholeAfterMs: 5000 })).includes('tcp-keepalive-off'));
  assert.ok(ids(session([], { tcpKeepAlive: true, tcpKeepAliveInitialDelayMs: 60_000, idleBlackholeAfterMs: 5000 })).includes('tcp-keepalive-off'));
  assert.ok(!ids(session([], { tcpKeepAlive: true, tcpKeepAliveInitialDelayMs: 1000, idleBlackholeAfterMs: 5000 })).includes('tcp-keepalive-off'));
  // off but nothing idles long and no drop seen: nothing to say
  assert.ok(!ids(session([], { tcpKeepAlive: false }, [conn({ idle: { count: 1, totalMs: 500, maxMs: 500, recent: [500] } })])).includes('tcp-keepalive-off'));
  assert.ok(ids(session([], { tcpKeepAlive: false }, [conn({ idle: { count: 1, totalMs: 90_000, maxMs: 90_000, recent: [90_000] } })])).includes('tcp-keepalive-off'));
  assert.ok(!ids(session([], { idleBlackholeAfterMs: 5000 })).includes('tcp-keepalive-off'), 'unknown keepalive state: no finding');
  const f = tcpKeepaliveOff.evaluate({ session: session([], { tcpKeepAlive: false, idleBlackholeAfterMs: 5000 }), thresholds: {} as never });
  assert.ok(f && !Array.isArray(f));
  assert.match(f.fix.undici ?? '', /keepAliveInitialDelay: 2500/);
});

test('pipelining-lost-requests: socket-close errors with pipelining on, counted with the server closes', () => {
  const s = session(
    [req({ connectionId: 'c1' }), req({ connectionId: 'c1', error: closed }), req({ connectionId: 'c1', error: closed })],
    { pipelining: 4 },
    [conn({ id: 'c1', requests: 3, close: { closedBy: 'server', reason: 'server-closed' } })],
  );
  const f = pipeliningLostRequests.evaluate({ session: s, thresholds: {} as never });
  assert.ok(f && !Array.isArray(f));
  assert.equal(f.evidence.lostRequests, 2);
  assert.equal(f.evidence.closedByServer, 1);
  assert.ok(!ids(session([req({ error: closed })], { pipelining: 1 })).includes('pipelining-lost-requests'));
});

test('pipelining-lost-requests: without the client config, overlapping requests on one connection are the evidence', () => {
  const overlapping = [
    req({ connectionId: 'c1', startedAt: 0, total: 20 }),
    req({ connectionId: 'c1', startedAt: 1, total: 20, error: closed }),
  ];
  assert.ok(ids(session(overlapping)).includes('pipelining-lost-requests'));
  const sequential = [
    req({ connectionId: 'c1', startedAt: 0, total: 5 }),
    req({ connectionId: 'c1', startedAt: 10, total: 5, error: closed }),
  ];
  assert.ok(!ids(session(sequential)).includes('pipelining-lost-requests'));
});
