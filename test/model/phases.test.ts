import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { phasesFromMarks, sumPhases, PHASE_NAMES } from '../../src/model/phases.js';
import { computeStats } from '../../src/model/stats.js';
import { parseKeepAliveHeader } from '../../src/model/connection.js';

test('a reused request has no dns/connect/tls phases', () => {
  const p = phasesFromMarks({ start: 10, assigned: 12, sent: 13, firstByte: 20, end: 21 });
  assert.deepEqual(Object.keys(p).sort(), ['blocked', 'receive', 'send', 'total', 'wait']);
  assert.equal(p.blocked, 2);
  assert.equal(p.wait, 7);
  assert.equal(p.total, 11);
});

test('a new connection charges gaps to the following phase and sums to total', () => {
  const p = phasesFromMarks({ start: 0, assigned: 1, dnsStart: 1.5, dnsEnd: 5, connectStart: 5.2, connectEnd: 9, tlsStart: 9, tlsEnd: 20, sent: 21, firstByte: 30, end: 31 });
  assert.equal(p.dns, 4);
  assert.equal(p.connect, 4);
  assert.equal(p.tls, 11);
  assert.equal(sumPhases(p), p.total);
});

test('phases are never negative or NaN and add up to total for any mark order', () => {
  const mark = fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined });
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), mark, mark, mark, mark, mark, mark, mark, mark, mark, mark,
      (start, assigned, dnsStart, dnsEnd, connectStart, connectEnd, tlsStart, tlsEnd, sent, firstByte, end) => {
        const p = phasesFromMarks({ start, assigned, dnsStart, dnsEnd, connectStart, connectEnd, tlsStart, tlsEnd, sent, firstByte, end });
        for (const n of PHASE_NAMES) {
          const v = p[n];
          if (v !== undefined) assert.ok(Number.isFinite(v) && v >= 0, `${n}=${v}`);
        }
        assert.ok(p.total >= 0);
        assert.ok(Math.abs(sumPhases(p) - p.total) < 1e-6, `sum ${sumPhases(p)} total ${p.total}`);
      }),
    { numRuns: 2000 },
  );
});

test('Keep-Alive header parsing', () => {
  assert.deepEqual(parseKeepAliveHeader('timeout=2'), { timeoutMs: 2000 });
  assert.deepEqual(parseKeepAliveHeader('timeout=5, max=100'), { timeoutMs: 5000, max: 100 });
  assert.deepEqual(parseKeepAliveHeader('garbage'), {});
});

test('session stats count reuse, handshakes and closes', () => {
  const base = { origin: 'https://a:1', source: 'http' as const, protocol: 'http/1.1' as const, openedAt: 0, openedAtEpoch: 0, establishment: { total: 1 }, idle: { count: 0, totalMs: 0, maxMs: 0, recent: [] } };
  const conns = [
    { ...base, id: 'c1', requests: 3, tls: { resumed: false }, close: { closedBy: 'server' as const, reason: 'server-idle-timeout' as const } },
    { ...base, id: 'c2', requests: 1, tls: { resumed: true } },
  ];
  const req = (reused: boolean) => ({ id: 'r', origin: 'https://a:1', method: 'GET', path: '/', source: 'http' as const, startedAt: 0, startedAtEpoch: 0, reused, phases: { total: 5, wait: 4, blocked: 1 } });
  const s = computeStats(conns, [req(false), req(true), req(true), req(false)]);
  assert.equal(s.reuseRate, 0.5);
  assert.deepEqual(s.handshakes, { full: 1, resumed: 1 });
  assert.equal(s.requestsPerConnection?.mean, 2);
  assert.equal(s.closes['server:server-idle-timeout'], 1);
  assert.equal(s.phases.wait?.p50, 4);
});
