import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { probe } from '../../src/probe/index.js';
import type { CertChain } from '../../src/lab/certs.js';
import { testChain } from '../helpers/servers.js';
import { hasNginx, startNginx, type Nginx } from './nginx-server.js';

// How nginx resumes, as a user meets it: its TLS 1.3 tickets, its session cache, its 300 s session timeout, and the
// legacy versions an old config still accepts. One nginx (the shared launcher) per case.
const skip = hasNginx ? false : 'nginx not installed';
let chain: CertChain;

// nginx before 1.23.4 leaves TLS 1.3 out of its default ssl_protocols; every case names its versions
const CASES = {
  /**
   * nginx's resumption defaults (tickets on, ssl_session_cache none, ssl_session_timeout 5m), with TLS 1.0/1.1 listed
   * as nginx 1.22 lists them by default: OpenSSL 3's security level 1 leaves them no cipher.
   */
  defaults: 'ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;',
  /** No tickets and no cache: TLS 1.3 still sends (stateful) tickets that nothing can resolve. */
  nothing: 'ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets off; ssl_session_cache off;',
  /** No tickets, a shared cache: TLS 1.2 by session id, TLS 1.3 by stateful PSK. */
  cacheOnly: 'ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets off; ssl_session_cache shared:SSL:1m;',
  /** An old config: TLS 1.0 and 1.1 with a lowered OpenSSL security level. */
  legacy: 'ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; ssl_ciphers DEFAULT@SECLEVEL=0;',
} as const;
const ports = {} as Record<keyof typeof CASES, number>;
const running: Nginx[] = [];

before(async () => {
  if (!hasNginx) return;
  chain = await testChain();
  for (const name of Object.keys(CASES) as (keyof typeof CASES)[]) {
    const n = await startNginx(`
  server {
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ${CASES[name]}
    location / { return 200 "ok\\n"; }
  }`, chain);
    running.push(n);
    ports[name] = n.port;
  }
});

after(async () => {
  for (const n of running) await n.stop();
});

const url = (name: keyof typeof CASES): string => `https://localhost:${ports[name]}/`;

test('nginx defaults: TLS 1.3 PSK and TLS 1.2 ticket, 300 s lifetime hint, no session id (cache none)', { skip, timeout: 20_000 }, async () => {
  const r = await probe(url('defaults'), { ca: chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  const res = r.tls!.resumption;
  assert.equal(res.mechanism, 'psk');
  assert.deepEqual(res.tls13, { ticketIssued: true, psk: true, ticketLifetimeSec: 300 });
  assert.deepEqual(res.tls12, { sessionId: false, ticketIssued: true, ticket: true, ticketLifetimeSec: 300 });
  assert.equal(res.ticketsNotHonoured, false);
  const ids = r.findings.map((f) => f.id);
  for (const id of ['no-session-resumption', 'long-ticket-lifetime', 'legacy-tls-accepted']) assert.ok(!ids.includes(id), id);
  // listed in ssl_protocols, refused all the same
  assert.deepEqual(r.tls?.versions, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
});

test('nginx with tickets and session cache off: TLS 1.3 tickets issued and never honoured', { skip, timeout: 20_000 }, async () => {
  const r = await probe(url('nothing'), { ca: chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  const res = r.tls!.resumption;
  assert.equal(res.supported, false);
  assert.equal(res.tls13?.ticketIssued, true);
  assert.equal(res.tls13?.psk, false);
  assert.equal(res.ticketsNotHonoured, true);
  assert.deepEqual(res.tls12, { sessionId: false, ticketIssued: false, ticket: null, ticketLifetimeSec: null });
  const f = r.findings.find((x) => x.id === 'no-session-resumption');
  assert.ok(f);
  assert.equal(f.evidence.ticketsIssuedNotHonoured, true);
  assert.match(f.fix.server ?? '', /ssl_session_cache shared/);
});

test('nginx with a session cache and no tickets: TLS 1.2 by session id, TLS 1.3 PSK from the cache', { skip, timeout: 20_000 }, async () => {
  const r = await probe(url('cacheOnly'), { ca: chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  const res = r.tls!.resumption;
  assert.equal(res.tls12?.sessionId, true);
  assert.equal(res.tls12?.ticketIssued, false);
  assert.equal(res.tls13?.psk, true);
  assert.equal(res.ticketsNotHonoured, false);
  const max12 = await probe(url('cacheOnly'), { ca: chain.caPem, requests: 1, tlsMax: 'TLSv1.2' });
  assert.equal(max12.tls?.resumption.mechanism, 'session-id');
  assert.equal(max12.tls?.resumption.supported, true);
});

test('nginx with an old ssl_protocols / SECLEVEL=0 config: legacy-tls-accepted', { skip, timeout: 20_000 }, async () => {
  const r = await probe(url('legacy'), { ca: chain.caPem, requests: 1 });
  assert.equal(r.error, null);
  assert.deepEqual(r.tls?.versions, { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': true, 'TLSv1.3': true });
  assert.equal(r.findings.find((f) => f.id === 'legacy-tls-accepted')?.severity, 'warn');
});
