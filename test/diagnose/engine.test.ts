import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../src/diagnose/index.js';
import { Session } from '../../src/model/session.js';
import type { ConnectionRecord } from '../../src/model/connection.js';
import { slowDns } from '../../src/diagnose/slow-dns.js';

function conn(id: string, source: ConnectionRecord['source'], dns?: number): ConnectionRecord {
  return {
    id, origin: 'https://a.test:443', source, protocol: 'http/1.1', openedAt: 0, openedAtEpoch: 0,
    establishment: dns === undefined ? { total: 1 } : { dns, total: dns }, requests: 1, idle: { count: 0, totalMs: 0, maxMs: 0, recent: [] },
  };
}

test('thresholds are configurable and a rule fires only above its threshold', () => {
  const s = new Session();
  s.addConnection(conn('c1', 'http', 150));
  assert.deepEqual(diagnose(s).map((f) => f.id), ['slow-dns']);
  assert.deepEqual(diagnose(s, { thresholds: { slowDnsMs: 200 } }).map((f) => f.id), []);
  const f = diagnose(s)[0]!;
  assert.equal(f.evidence.maxMs, 150);
  assert.equal(f.docs, 'docs/findings.md#slow-dns');
});

test('a session with both ends of the traffic is diagnosed from the client side only', () => {
  const s = new Session();
  s.addConnection(conn('c1', 'http', 10));
  // the server's record of the same traffic must not be counted as a second, slow client connection
  s.addConnection(conn('s1', 'server', 500));
  assert.deepEqual(diagnose(s).filter((f) => f.id === 'slow-dns'), []);
  const serverOnly = new Session();
  serverOnly.addConnection(conn('s1', 'server', 500));
  assert.equal(diagnose(serverOnly).filter((f) => f.id === 'slow-dns').length, 1);
});

test('a rule that throws becomes a rule-failed finding naming it, and the others still run', () => {
  const s = new Session();
  s.addConnection(conn('c1', 'http', 150));
  const boom = { id: 'slow-tls' as const, evaluate: () => { throw new TypeError(`boom\n${'x'.repeat(500)}`); } };
  const out = diagnose(s, { rules: [boom, slowDns] });
  assert.deepEqual(out.map((f) => f.id).sort(), ['rule-failed', 'slow-dns']);
  const failed = out.find((f) => f.id === 'rule-failed')!;
  assert.equal(failed.severity, 'info');
  assert.equal(failed.evidence.rule, 'slow-tls');
  assert.equal(failed.evidence.error, 'TypeError: boom', 'first line of the error only');
  assert.equal(failed.docs, 'docs/findings.md#rule-failed');
  assert.match(failed.fix.summary, /slow-tls/);
  // a rule throwing something that is not an Error, with a long first line: bounded text
  const odd = { id: 'slow-connect' as const, evaluate: () => { throw 'y'.repeat(1000); } };
  const text = String(diagnose(s, { rules: [odd] })[0]!.evidence.error);
  assert.ok(text.length <= 201 && text.startsWith('yyy'), text);
  // healthy control: rules that do not throw leave no rule-failed entry
  assert.deepEqual(diagnose(s, { rules: [slowDns] }).map((f) => f.id), ['slow-dns']);
  assert.equal(diagnose(s).filter((f) => f.id === 'rule-failed').length, 0);
});
