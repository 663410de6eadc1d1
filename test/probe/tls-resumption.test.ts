import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type https from 'node:https';
import tls from 'node:tls';
import { probe } from '../../src/probe/index.js';
import { httpsServer } from '../helpers/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

/** Counts the server's resumed handshakes (ground truth for "resumed", independent of the client's view). */
function countResumed(server: https.Server): { tls12: number; tls13: number } {
  const n = { tls12: 0, tls13: 0 };
  server.on('secureConnection', (s: tls.TLSSocket) => {
    if (!s.isSessionReused()) return;
    if (s.getProtocol() === 'TLSv1.3') n.tls13++;
    else n.tls12++;
  });
  return n;
}

/** A TLS 1.2 session-id store, as a Node server needs for session-id resumption (it has no internal cache). */
function sessionIdStore(server: https.Server): { lookups: number; hits: number } {
  const store = new Map<string, Buffer>();
  const stats = { lookups: 0, hits: 0 };
  server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
    store.set(id.toString('hex'), data);
    cb();
  });
  server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => {
    stats.lookups++;
    const data = store.get(id.toString('hex')) ?? null;
    if (data) stats.hits++;
    cb(null, data);
  });
  return stats;
}

test('default Node server: TLS 1.3 PSK, TLS 1.2 ticket, no session id; the lifetime hint it was given', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), { sessionTimeout: 600 });
  cleanups.push(s.close);
  const resumed = countResumed(s.server);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  const res = r.tls!.resumption;
  assert.equal(res.mechanism, 'psk');
  assert.deepEqual(res.tls13, { ticketIssued: true, psk: true, ticketLifetimeSec: 600 });
  assert.deepEqual(res.tls12, { sessionId: false, ticketIssued: true, ticket: true, ticketLifetimeSec: 600 });
  assert.equal(res.ticketLifetimeSec, 600, 'the server sessionTimeout is the ticket lifetime hint');
  assert.equal(res.ticketsNotHonoured, false);
  assert.ok(res.fullHandshakeMs! > 0 && res.resumedHandshakeMs! > 0);
  // the HTTP resumption check + the TLS 1.3 PSK check; TLS 1.2 by ticket (the id-only offer was not resumed)
  assert.equal(resumed.tls13, 2, 'the HTTP resumption check and the PSK check');
  assert.equal(resumed.tls12, 1);
  const ids = r.findings.map((f) => f.id);
  for (const id of ['no-session-resumption', 'long-ticket-lifetime', 'legacy-tls-accepted', 'cert-expires-soon']) assert.ok(!ids.includes(id), id);
});

test('TLS 1.2 by session id only: a server without tickets that keeps a session store', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), { secureOptions: crypto.constants.SSL_OP_NO_TICKET, maxVersion: 'TLSv1.2' });
  cleanups.push(s.close);
  const store = sessionIdStore(s.server);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  const res = r.tls!.resumption;
  assert.equal(r.tls?.version, 'TLSv1.2');
  assert.equal(res.supported, true);
  assert.equal(res.mechanism, 'session-id');
  assert.deepEqual(res.tls12, { sessionId: true, ticketIssued: false, ticket: null, ticketLifetimeSec: null });
  assert.equal(res.tls13, null, 'the server does not speak TLS 1.3');
  assert.equal(res.ticketLifetimeSec, null);
  assert.ok(store.hits >= 2, `the server's store answered ${store.hits} lookups`);
});

test('TLS 1.2 by ticket only (Node default, TLS 1.2 at most): mechanism ticket, session id refused', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'), { maxVersion: 'TLSv1.2' });
  cleanups.push(s.close);
  const resumed = countResumed(s.server);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  const res = r.tls!.resumption;
  assert.equal(res.mechanism, 'ticket');
  assert.equal(res.tls12?.ticket, true);
  assert.equal(res.tls12?.sessionId, false);
  assert.ok(res.tls12!.ticketLifetimeSec! > 0);
  // HTTP resumption check + the ticket check; the id-only offer was a full handshake
  assert.equal(resumed.tls12, 2);
});

test('TLS 1.3 tickets issued and never honoured (SSL_OP_NO_TICKET): called out as such; default server is the control', { timeout: 20_000 }, async () => {
  // With SSL_OP_NO_TICKET, OpenSSL's TLS 1.3 sends stateful tickets (a session id) that only an internal session
  // cache could resolve; Node keeps none, so every ticket offered back ends in a full handshake.
  const s = await httpsServer((_q, res) => res.end('x'), { secureOptions: crypto.constants.SSL_OP_NO_TICKET });
  cleanups.push(s.close);
  const resumed = countResumed(s.server);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  const res = r.tls!.resumption;
  assert.equal(r.tls?.version, 'TLSv1.3');
  assert.equal(res.tls13?.ticketIssued, true);
  assert.equal(res.tls13?.psk, false);
  assert.equal(res.ticketsNotHonoured, true);
  assert.equal(res.mechanism, null);
  assert.equal(resumed.tls13, 0, 'the server resumed nothing');
  const f = r.findings.find((x) => x.id === 'no-session-resumption');
  assert.ok(f);
  assert.equal(f.evidence.ticketsIssuedNotHonoured, true);
  assert.match(f.title, /tickets it never accepts/);

  const ok = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(ok.close);
  const control = await probe(`https://localhost:${ok.port}/`, { ca: ok.chain.caPem, requests: 1 });
  assert.equal(control.tls?.resumption.ticketsNotHonoured, false);
  assert.ok(!control.findings.some((x) => x.id === 'no-session-resumption'));
});

test('a 7-day ticket lifetime (as Go sends) is an info note; Node default (2 h) is not', { timeout: 20_000 }, async () => {
  const week = 7 * 86_400;
  const s = await httpsServer((_q, res) => res.end('x'), { sessionTimeout: week });
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  assert.equal(r.tls?.resumption.ticketLifetimeSec, week);
  const f = r.findings.find((x) => x.id === 'long-ticket-lifetime');
  assert.ok(f);
  assert.equal(f.severity, 'info');
  assert.equal(f.evidence.ticketLifetimeSec, week);

  const d = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(d.close);
  const control = await probe(`https://localhost:${d.port}/`, { ca: d.chain.caPem, requests: 1 });
  assert.ok(control.tls!.resumption.ticketLifetimeSec! <= 86_400, String(control.tls?.resumption.ticketLifetimeSec));
  assert.ok(!control.findings.some((x) => x.id === 'long-ticket-lifetime'));
});

test('full vs resumed compares a warm full handshake, not the cold first one', { timeout: 20_000 }, async () => {
  // The server answers its first ClientHello 400 ms late (a cold start); the series' first connection pays it,
  // the compared full handshake must not.
  const base = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(base.close);
  const ctx = tls.createSecureContext({ key: base.chain.keyPem, cert: base.chain.chainPem });
  let hellos = 0;
  const s = await httpsServer((_q, res) => res.end('x'), {
    SNICallback: (_name, cb) => setTimeout(() => cb(null, ctx), hellos++ === 0 ? 400 : 0),
  }, base.chain);
  cleanups.push(s.close);
  const r = await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  const cold = r.connections[0]!.establishment.tls!;
  assert.ok(cold >= 380, `the first connection paid the cold start (${cold} ms)`);
  const full = r.tls!.resumption.fullHandshakeMs!;
  assert.ok(full < cold, `compared full handshake ${full} ms < cold ${cold} ms`);
  assert.ok(hellos > 3, 'the compared handshakes came after the first');
});
