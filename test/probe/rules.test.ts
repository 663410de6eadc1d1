import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '../../src/model/session.js';
import { newIdleStats, type ConnectionRecord } from '../../src/model/connection.js';
import type { RequestTrace } from '../../src/model/request.js';
import { diagnose } from '../../src/diagnose/index.js';

// The rules read only the Session, so a session built by hand (as pcap or bench would build it)
// must give the same findings as a live probe.

function conn(id: string, over: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    id, origin: 'https://a:443', source: 'pcap', protocol: 'http/1.1', openedAt: 0, openedAtEpoch: 0,
    establishment: { connect: 1, tls: 2, total: 3 }, requests: 1, idle: newIdleStats(), ...over,
  };
}

function req(id: string, connectionId: string, over: Partial<RequestTrace> = {}): RequestTrace {
  return {
    id, connectionId, origin: 'https://a:443', method: 'GET', path: '/', source: 'pcap', startedAt: 0, startedAtEpoch: 0,
    phases: { total: 5, wait: 5 }, reused: false, status: 200, ...over,
  };
}

function ids(s: Session, thresholds = {}): string[] {
  return diagnose(s, { thresholds }).map((f) => f.id);
}

test('server-closes-connection from connection records alone (no probe facts)', () => {
  const s = new Session();
  for (const i of [1, 2, 3]) {
    s.addConnection(conn(`c${i}`, { close: { closedBy: 'server', reason: 'server-connection-close' } }));
    s.addRequest(req(`r${i}`, `c${i}`, { responseHeaders: { connection: 'close' } }));
  }
  assert.ok(ids(s).includes('server-closes-connection'));
  // connections that served several requests: not this finding
  const t = new Session();
  t.addConnection(conn('c1', { requests: 5, close: { closedBy: 'server', reason: 'server-connection-close' } }));
  t.addConnection(conn('c2', { requests: 5, close: { closedBy: 'server', reason: 'server-connection-close' } }));
  assert.ok(!ids(t).includes('server-closes-connection'));
});

test('server-max-requests from connections closed at the limit', () => {
  const s = new Session();
  s.addConnection(conn('c1', { requests: 100, close: { closedBy: 'server', reason: 'server-max-requests' }, keepAliveHint: { max: 100 } }));
  const f = diagnose(s).find((x) => x.id === 'server-max-requests');
  assert.equal(f?.evidence.maxRequestsPerConnection, 100);
  assert.equal(f?.evidence.keepAliveMaxHint, 100);
});

test('idle-timeout-race: client >= server fires, client < server does not; measured wins over hinted', () => {
  const s = new Session();
  s.facts = { clientIdleTimeoutMs: 4000, hintedIdleTimeoutMs: 5000, measuredIdleTimeoutMs: 3000 };
  const f = diagnose(s).find((x) => x.id === 'idle-timeout-race');
  assert.equal(f?.evidence.serverIdleTimeoutMs, 3000);
  s.facts = { clientIdleTimeoutMs: 4000, hintedIdleTimeoutMs: 5000 };
  assert.ok(!ids(s).includes('idle-timeout-race'));
  s.facts = { clientIdleTimeoutMs: 5000, hintedIdleTimeoutMs: 5000 };
  assert.ok(ids(s).includes('idle-timeout-race'), 'equal is a race too');
});

test('TLS rules from facts and records: resumption, chain, OCSP, ALPN, version, h2', () => {
  const s = new Session();
  s.addConnection(conn('c1', { tls: { resumed: false, chain: { depth: 2, bytes: 9000 }, ocspStapled: false } }));
  s.facts = {
    tls: {
      resumptionAttempted: true, resumptionSupported: false, fullHandshakeMs: 12,
      versionFailure: { max: 'TLSv1.2', message: 'alert', serverVersion: 'TLSv1.3' },
      alpnFailure: { offered: ['http/1.1'], message: 'alert 120', serverSelected: 'h2' },
    },
    http2: { supported: true, used: false, maxConcurrentStreams: 100 },
  };
  const got = ids(s);
  for (const id of ['no-session-resumption', 'long-cert-chain', 'no-ocsp-stapling', 'alpn-no-overlap', 'tls-version-mismatch', 'h2-available-not-used']) {
    assert.ok(got.includes(id), id);
  }
  assert.ok(!ids(s, { longChainBytes: 10_000 }).includes('long-cert-chain'), 'size threshold is configurable');
});

test('every finding carries evidence, fixes for node:http, undici and fetch, and a docs anchor', () => {
  const s = new Session();
  s.addConnection(conn('c1', { requests: 1, tls: { resumed: false, chain: { depth: 5, bytes: 100 }, ocspStapled: false }, close: { closedBy: 'server', reason: 'server-connection-close' } }));
  s.addRequest(req('r1', 'c1', { eventLoopBlocked: true, eventLoopDelayMs: 120 }));
  s.facts = {
    serverKeptConnection: false, clientIdleTimeoutMs: 4000, hintedIdleTimeoutMs: 1000, maxRequestsPerConnection: 3,
    tls: { resumptionAttempted: true, resumptionSupported: false, alpnFailure: { offered: ['h2'], message: 'x' }, versionFailure: { message: 'x' } },
    http2: { supported: true, used: false },
  };
  const mine = ['server-closes-connection', 'server-max-requests', 'idle-timeout-race', 'no-session-resumption', 'long-cert-chain',
    'alpn-no-overlap', 'tls-version-mismatch', 'h2-available-not-used', 'no-ocsp-stapling', 'event-loop-blocked'];
  const findings = diagnose(s).filter((f) => mine.includes(f.id));
  assert.deepEqual(findings.map((f) => f.id).sort(), [...mine].sort());
  for (const f of findings) {
    assert.ok(Object.keys(f.evidence).length > 0, f.id);
    assert.ok(f.fix.summary && f.fix.nodeHttp && f.fix.undici && f.fix.fetch, f.id);
    assert.equal(f.docs, `docs/findings.md#${f.id}`);
  }
});
