import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { instrumentServer } from '../../src/trace/server/index.js';
import type { ServerTracer } from '../../src/trace/server/index.js';
import type { ConnectionRecord } from '../../src/model/connection.js';
import type { RequestTrace } from '../../src/model/request.js';
import { httpServer, httpsServer, type Served } from '../helpers/servers.js';
import { waitFor, withDeadline } from './wait.js';
import { UsageError } from '../../src/errors.js';

const T = { timeout: 20_000 };

function get(url: string, options: http.RequestOptions & https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  const mod = url.startsWith('https:') ? https : http;
  return withDeadline(
    new Promise((resolve, reject) => {
      const req = mod.get(url, options, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    }),
    5_000,
    `GET ${url}`,
  );
}

function collect(tracer: ServerTracer): { connections: ConnectionRecord[]; requests: RequestTrace[]; closes: ConnectionRecord[] } {
  const out = { connections: [] as ConnectionRecord[], requests: [] as RequestTrace[], closes: [] as ConnectionRecord[] };
  tracer.on('connection', (c) => out.connections.push(c));
  tracer.on('request', (r) => out.requests.push(r));
  tracer.on('close', (c) => out.closes.push(c));
  return out;
}

let idle: Served<http.Server>;
let idleTracer: ServerTracer;
before(async () => {
  idle = await httpServer((_req, res) => res.end('ok'), { keepAliveTimeout: 200 });
  idleTracer = instrumentServer(idle.server);
});
after(async () => {
  idleTracer.stop();
  await idle.close();
});

test('keepAliveTimeout 200 ms and an idle client: the server closes, reason server-idle-timeout', T, async () => {
  const seen = collect(idleTracer);
  // a raw client: http.Agent drops sockets whose Keep-Alive hint rounds down to timeout=0
  const client = net.connect(idle.port, '127.0.0.1');
  client.on('error', () => {});
  const responses = (n: number): Promise<void> =>
    withDeadline(new Promise<void>((resolve) => {
      let text = '';
      const onData = (d: Buffer): void => {
        text += d.toString('latin1');
        if (text.split('HTTP/1.1 200').length - 1 >= n) {
          client.off('data', onData);
          resolve();
        }
      };
      client.on('data', onData);
    }), 5_000, 'responses');
  try {
    let got = responses(1);
    client.write('GET /a?token=secret HTTP/1.1\r\nHost: x\r\n\r\n');
    await got;
    await sleep(100);
    got = responses(1);
    client.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    await got;
    const [closed] = await waitFor<[ConnectionRecord]>(idleTracer, 'close', () => true, 10_000);
    assert.equal(idle.connections, 1, 'both requests on one connection (server count)');
    assert.equal(closed.source, 'server');
    assert.equal(closed.requests, 2);
    assert.deepEqual(closed.close, { closedBy: 'server', reason: 'server-idle-timeout' });
    // Node 20.20 closes at keepAliveTimeout + 1000 ms (its safety buffer over the advertised Keep-Alive: timeout=)
    const lifetime = closed.closedAt! - closed.openedAt;
    assert.ok(lifetime >= 1_100 && lifetime < 9_000, `lifetime ${lifetime}`);
    assert.equal(closed.keepAliveHint?.keepAliveHeader, 'timeout=0', 'Node advertises whole seconds, rounded down');
    assert.equal(seen.requests.length, 2);
    const [first, second] = seen.requests;
    assert.equal(first!.path, '/a', 'query strings are dropped');
    assert.equal(first!.reused, false);
    assert.equal(second!.reused, true);
    assert.equal(second!.requestIndexOnConnection, 2);
    assert.ok(second!.idleBeforeMs! >= 80 && second!.idleBeforeMs! < 1_000, `idleBefore ${second!.idleBeforeMs}`);
    assert.equal(closed.idle.count, 2, 'the pause between requests and the final wait before the timeout');
    assert.ok(closed.idle.maxMs >= 1_000, `final idle ${closed.idle.maxMs}`);
  } finally {
    client.destroy();
  }
});

test('a client sending headers slowly is cut off by headersTimeout; a slow body by requestTimeout', T, async () => {
  const served = await httpServer(
    (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    },
    { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 } as http.ServerOptions,
  );
  const tracer = instrumentServer(served.server);
  const sockets: net.Socket[] = [];
  try {
    const closes: ConnectionRecord[] = [];
    tracer.on('close', (c) => closes.push(c));
    const slowHeaders = net.connect(served.port, '127.0.0.1');
    sockets.push(slowHeaders);
    slowHeaders.on('error', () => {});
    slowHeaders.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => slowHeaders.writable && slowHeaders.write('X-Slow: 1\r\n'), 50);
    try {
      const [c] = await waitFor<[ConnectionRecord]>(tracer, 'close', () => true, 5_000);
      assert.equal(c.close?.reason, 'server-headers-timeout');
      assert.equal(c.close?.closedBy, 'server');
      assert.equal(c.requests, 0);
      const life = c.closedAt! - c.openedAt;
      assert.ok(life >= 250 && life < 3_000, `closed after ${life} ms`);
    } finally {
      clearInterval(trickle);
    }

    const slowBody = net.connect(served.port, '127.0.0.1');
    sockets.push(slowBody);
    slowBody.on('error', () => {});
    slowBody.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
    const [c2] = await waitFor<[ConnectionRecord]>(tracer, 'close', () => true, 5_000);
    assert.equal(c2.close?.reason, 'server-request-timeout');
    assert.equal(c2.requests, 1);
  } finally {
    for (const s of sockets) s.destroy();
    tracer.stop();
    await served.close();
  }
});

test('who closed: client FIN, client reset, Connection: close from either side, max requests', T, async () => {
  const served = await httpServer((req, res) => {
    if (req.url === '/close') res.setHeader('Connection', 'close');
    res.end('ok');
  });
  served.server.maxRequestsPerSocket = 2;
  const tracer = instrumentServer(served.server);
  const sockets: net.Socket[] = [];
  const raw = async (send: string): Promise<net.Socket> => {
    const s = net.connect(served.port, '127.0.0.1');
    sockets.push(s);
    s.on('error', () => {});
    s.resume();
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write(send);
    return s;
  };
  const nextClose = (): Promise<[ConnectionRecord]> => waitFor<[ConnectionRecord]>(tracer, 'close', () => true, 5_000);
  try {
    let p = nextClose();
    const fin = await raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(50);
    fin.end();
    assert.deepEqual((await p)[0].close, { closedBy: 'client', reason: 'client-closed' });

    p = nextClose();
    const rst = await raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(50);
    rst.resetAndDestroy();
    assert.equal((await p)[0].close?.reason, 'reset');

    p = nextClose();
    await raw('GET /close HTTP/1.1\r\nHost: x\r\n\r\n');
    const [closedByResponse] = await p;
    assert.deepEqual(closedByResponse.close, { closedBy: 'server', reason: 'server-connection-close' });
    assert.equal(closedByResponse.keepAliveHint?.connectionHeader, 'close');

    p = nextClose();
    await raw('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual((await p)[0].close, { closedBy: 'client', reason: 'client-connection-close' });

    p = nextClose();
    const maxClient = await raw('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    // Node answers the last allowed request with `Connection: close` and waits for the client to hang up
    await sleep(100);
    maxClient.end();
    const [maxed] = await p;
    assert.equal(maxed.requests, 2);
    assert.deepEqual(maxed.close, { closedBy: 'server', reason: 'server-max-requests' });
  } finally {
    for (const s of sockets) s.destroy();
    tracer.stop();
    await served.close();
  }
});

test('TLS: the server sees a full handshake, then a resumed one, with their durations', T, async () => {
  const served = await httpsServer((_req, res) => res.end('ok'));
  const tracer = instrumentServer(served.server);
  const seen = collect(tracer);
  const agent = new https.Agent({ keepAlive: false, ca: served.chain.caPem });
  try {
    await get(`${served.origin}/`, { agent });
    await sleep(50);
    await get(`${served.origin}/`, { agent });
    await withDeadline((async () => { while (seen.closes.length < 2) await sleep(20); })(), 5_000, 'two closes');
    assert.equal(served.connections, 2);
    assert.equal(seen.connections.length, 2);
    const [a, b] = seen.connections;
    assert.equal(a!.tls?.resumed, false);
    assert.equal(b!.tls?.resumed, true);
    assert.equal(a!.tls?.version, 'TLSv1.3');
    assert.ok(a!.establishment.tls! > 0 && a!.establishment.tls! < 5_000);
    assert.ok(b!.establishment.tls! > 0);
    assert.ok(a!.origin.startsWith('https://127.0.0.1:'));
  } finally {
    agent.destroy();
    tracer.stop();
    await served.close();
  }
});

test('a failed TLS handshake is reported as a closed connection with the error', T, async () => {
  const served = await httpsServer((_req, res) => res.end('ok'));
  const tracer = instrumentServer(served.server);
  try {
    const p = waitFor<[ConnectionRecord]>(tracer, 'close', () => true, 5_000);
    const s = net.connect(served.port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\n\r\n'));
    s.on('error', () => {});
    const [c] = await p;
    s.destroy();
    assert.match(String(c.close?.reason), /^error:/);
    assert.equal(c.requests, 0);
  } finally {
    tracer.stop();
    await served.close();
  }
});

test('stop() removes the listeners: no events afterwards, and the server keeps working', T, async () => {
  const served = await httpServer((_req, res) => res.end('ok'));
  const tracer = instrumentServer(served.server);
  let events = 0;
  tracer.on('connection', () => events++).on('request', () => events++).on('close', () => events++);
  tracer.on('request', () => {
    throw new Error('listener bug');
  });
  const diags: string[] = [];
  tracer.on('diagnostic', (d) => diags.push(d.message));
  try {
    const agent = new http.Agent({ keepAlive: false });
    assert.equal((await get(`${served.origin}/`, { agent })).body, 'ok');
    await sleep(50);
    assert.ok(events >= 2);
    assert.ok(diags.some((m) => m.includes("'request' listener threw")), 'a throwing listener becomes a diagnostic');
    tracer.stop();
    const before = events;
    assert.equal(served.server.listenerCount('request'), 1, 'only the application handler is left');
    assert.equal((await get(`${served.origin}/`, { agent })).body, 'ok');
    await sleep(50);
    assert.equal(events, before);
    assert.equal(tracer.active, false);
  } finally {
    tracer.stop();
    await served.close();
  }
});

test('a connection accepted before the tracer attached is adopted at its next request', T, async () => {
  const served = await httpServer((_req, res) => res.end('ok'));
  const client = net.connect(served.port, '127.0.0.1');
  client.on('error', () => {});
  let tracer: ServerTracer | undefined;
  try {
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const responses = (n: number): Promise<void> =>
      withDeadline((async () => { while (text.split('HTTP/1.1 200').length - 1 < n) await sleep(10); })(), 5_000, `${n} responses`);
    client.write('GET /before HTTP/1.1\r\nHost: x\r\n\r\n');
    await responses(1);
    tracer = instrumentServer(served.server);
    const seen = collect(tracer);
    client.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
    await responses(2);
    await sleep(20);
    assert.equal(served.connections, 1);
    assert.equal(seen.connections.length, 1, 'adopted');
    assert.deepEqual(seen.requests.map((r) => r.path), ['/after']);
    assert.equal(tracer.openConnections()[0]!.requests, 1);
  } finally {
    client.destroy();
    tracer?.stop();
    await served.close();
  }
});

test('instrumentServer() refuses what is not an HTTP server with a UsageError (no tracing of the wrong thing)', () => {
  const plain = net.createServer();
  assert.throws(() => instrumentServer(plain as unknown as http.Server), (err: unknown) => err instanceof UsageError && err.code === 'CONNSCOPE_ERR_USAGE' && /expected a node:http/.test(err.message));
});
