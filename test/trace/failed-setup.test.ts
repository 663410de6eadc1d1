import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RequestTrace } from '../../src/model/request.js';
import { collect, phasesConsistent, until } from './collect.js';

const TIMEOUT_MS = 300;

/** Accepts TCP connections and never answers: a TLS handshake to it never completes. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Issues one request expected to fail; resolves with its error (never hangs). */
function failing(make: () => http.ClientRequest): Promise<Error> {
  return new Promise((resolve, reject) => {
    const req = make();
    const deadline = setTimeout(() => {
      req.destroy();
      reject(new Error('request neither failed nor succeeded in time'));
    }, 5000);
    req.setTimeout(TIMEOUT_MS, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'ETIMEDOUT' })));
    req.on('response', (res) => {
      res.resume();
      clearTimeout(deadline);
      reject(new Error(`unexpected response ${res.statusCode}`));
    });
    req.on('error', (err) => {
      clearTimeout(deadline);
      resolve(err);
    });
    req.end();
  });
}

function assertNoSendOrWait(r: RequestTrace): void {
  assert.equal(r.phases.send, undefined, `no send phase: ${JSON.stringify(r.phases)}`);
  assert.equal(r.phases.wait, undefined, `no wait phase: ${JSON.stringify(r.phases)}`);
  assert.ok(phasesConsistent(r), JSON.stringify(r.phases));
  assert.ok(r.error, 'the request carries its error');
}

describe('tracer: a connection that fails midway charges the step in progress', { timeout: 30_000 }, () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  before(async () => {
    silent = await silentServer();
  });
  after(() => silent.close());

  test('https to a server that never answers the ClientHello: the timeout is tls time', async () => {
    const t = collect();
    const agent = new https.Agent({ keepAlive: false });
    try {
      await failing(() => https.request({ host: '127.0.0.1', port: silent.port, path: '/', agent, servername: 'localhost' }));
      await until(() => t.requests.length === 1, 3000, 'the failed request');
      const r = t.requests[0]!;
      assertNoSendOrWait(r);
      assert.ok(r.phases.connect !== undefined, 'the TCP connect completed');
      assert.ok(r.phases.tls !== undefined && r.phases.tls >= TIMEOUT_MS * 0.8 && r.phases.tls < TIMEOUT_MS + 1500, `tls ${r.phases.tls} ≈ the ${TIMEOUT_MS} ms timeout`);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('connection refused: the time is connect time', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: false });
    try {
      const port = await closedPort();
      const err = await failing(() => http.request({ host: '127.0.0.1', port, path: '/', agent }));
      assert.equal((err as { code?: string }).code, 'ECONNREFUSED');
      await until(() => t.requests.length === 1, 3000, 'the failed request');
      const r = t.requests[0]!;
      assertNoSendOrWait(r);
      assert.ok(r.phases.connect !== undefined, `connect present: ${JSON.stringify(r.phases)}`);
      assert.equal(r.error?.code, 'ECONNREFUSED');
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('a lookup that fails after 150 ms: the time is dns time', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: false });
    const lookup = ((_host: string, _opts: unknown, cb: (err: Error) => void) => {
      setTimeout(() => cb(Object.assign(new Error('no such host'), { code: 'ENOTFOUND' })), 150);
    }) as unknown as net.LookupFunction;
    try {
      await failing(() => http.request({ host: 'connscope-test.invalid', port: 80, path: '/', agent, lookup }));
      await until(() => t.requests.length === 1, 3000, 'the failed request');
      const r = t.requests[0]!;
      assertNoSendOrWait(r);
      assert.equal(r.phases.connect, undefined, 'never got to connect');
      assert.ok(r.phases.dns !== undefined && r.phases.dns >= 120, `dns ${r.phases.dns} holds the failed lookup`);
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('an http2 session whose handshake never completes: the stream is charged tls', async () => {
    const t = collect();
    const session = http2.connect(`https://localhost:${silent.port}`);
    session.on('error', () => {});
    try {
      await new Promise<void>((resolve) => {
        const stream = session.request({ ':path': '/' });
        stream.on('error', () => {});
        stream.on('close', () => resolve());
        setTimeout(() => session.destroy(), TIMEOUT_MS);
      });
      await until(() => t.requests.length === 1, 3000, 'the failed stream');
      const r = t.requests[0]!;
      assertNoSendOrWait(r);
      assert.ok(r.phases.tls !== undefined && r.phases.tls >= TIMEOUT_MS * 0.6, `tls ${r.phases.tls} holds the stuck handshake: ${JSON.stringify(r.phases)}`);
    } finally {
      session.destroy();
      t.stop();
    }
  });
});
