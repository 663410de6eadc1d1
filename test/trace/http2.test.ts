import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { connect as connectNamed } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { testChain } from '../helpers/servers.js';
import type { CertChain } from '../../src/lab/certs.js';
import { collect, phasesConsistent, until } from './collect.js';

function request(session: http2.ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    stream.on('end', () => resolve(body));
    stream.on('error', reject);
    stream.setTimeout(5000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
  });
}

describe('tracer: node:http2 client sessions', { timeout: 20_000 }, () => {
  let chain: CertChain;
  let server: http2.Http2SecureServer;
  let port = 0;
  let sessions = 0;
  before(async () => {
    chain = await testChain();
    server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem }, (req, res) => {
      if (req.url === '/goaway') {
        const session = req.stream.session;
        res.end('bye');
        setTimeout(() => session?.close(), 20);
        return;
      }
      res.end('h2');
    });
    server.on('session', () => sessions++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('ten requests on one session: one connection, ten requests, nine reused', async () => {
    const t = collect();
    const before = sessions;
    const session = http2.connect(`https://localhost:${port}`, { ca: chain.caPem });
    try {
      await request(session, '/0');
      const bodies = await Promise.all(Array.from({ length: 9 }, (_, i) => request(session, `/${i + 1}`)));
      assert.ok(bodies.every((b) => b === 'h2'), 'bodies intact');
      await until(() => t.requests.length === 10, 3000, 'ten requests');
      assert.equal(sessions - before, 1, 'server saw one session');
      assert.equal(t.connections.length, 1);
      const c = t.connections[0]!;
      assert.equal(c.protocol, 'h2');
      assert.equal(c.source, 'http2');
      assert.equal(c.tls?.alpn, 'h2');
      assert.ok(c.establishment.tls! > 0 && c.establishment.dns !== undefined && c.establishment.connect !== undefined);
      assert.equal(t.requests.filter((r) => r.reused).length, 9);
      assert.deepEqual(t.requests.map((r) => r.requestIndexOnConnection).sort((a, b) => a! - b!), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.ok(t.requests.every((r) => r.connectionId === c.id && r.status === 200 && r.httpVersion === '2.0' && phasesConsistent(r)));
      const first = t.requests.find((r) => r.requestIndexOnConnection === 1)!;
      assert.ok(first.phases.tls !== undefined, 'the first stream pays the handshake');
    } finally {
      session.close();
      await until(() => t.closes.length === 1, 3000, 'close');
      assert.deepEqual(t.closes[0]!.close, { closedBy: 'client', reason: 'pool-closed' }, 'closing an idle session is closing its pool, as Agent.destroy() is');
      t.stop();
    }
  });

  test('a named import of connect is traced too; a GOAWAY close says goaway', async () => {
    const t = collect();
    const session = connectNamed(`https://localhost:${port}`, { ca: chain.caPem });
    session.on('error', () => {});
    try {
      await request(session, '/goaway');
      await until(() => t.closes.length === 1, 3000, 'close after goaway');
      assert.equal(t.closes[0]!.close?.reason, 'goaway');
      assert.equal(t.closes[0]!.close?.closedBy, 'server');
      assert.equal(t.requests.length, 1);
    } finally {
      session.destroy();
      t.stop();
    }
  });

  test('a session created with requestOCSP reports the stapled response; without it ocspStapled stays absent', async () => {
    const stapling = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem }, (_req, res) => res.end('ok'));
    stapling.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp?: Buffer) => void) => cb(null, Buffer.from('stapled')));
    await new Promise<void>((r) => stapling.listen(0, '127.0.0.1', r));
    const origin = `https://localhost:${(stapling.address() as AddressInfo).port}`;
    const t = collect();
    const asked = http2.connect(origin, { ca: chain.caPem, requestOCSP: true } as http2.SecureClientSessionOptions);
    const plain = http2.connect(origin, { ca: chain.caPem });
    try {
      await request(asked, '/');
      await request(plain, '/');
      await until(() => t.connections.length === 2, 3000, 'two connections');
      const stapled = t.connections.find((c) => c.tls?.ocspStapled !== undefined);
      assert.equal(stapled?.tls?.ocspStapled, true, JSON.stringify(t.connections.map((c) => c.tls)));
      assert.equal(t.connections.filter((c) => c.tls?.ocspStapled === undefined).length, 1, 'absent unless requestOCSP was set');
    } finally {
      asked.destroy();
      plain.destroy();
      t.stop();
      await new Promise<void>((r) => stapling.close(() => r()));
    }
  });

  test('after stop() http2.connect is the original again', async () => {
    const original = http2.connect;
    const t = collect();
    assert.notEqual(http2.connect, original);
    t.stop();
    assert.equal(http2.connect, original);
  });
});
