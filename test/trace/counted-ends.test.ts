// How counted (sampled-out) node:http requests end, client and server side, without a listener per
// request: a kept-alive socket's 'free' (client), the `http.server.response.finish` channel (server),
// and the connection's close for one cut off or aborted. Each case runs at sampleRate 0 (counted) and
// 1 (traced): a counted request must end as the traced one does (status or error code, in flight no more).
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type Socket } from 'node:net';
import type { RequestSummary } from '../../src/trace/types.js';
import { httpServer, type Served } from '../helpers/servers.js';
import { collect, until, type Collected } from './collect.js';
import { get } from './httpget.js';

interface Seen {
  t: Collected;
  client: RequestSummary[];
  server: RequestSummary[];
}

function watch(sampleRate: number): Seen {
  const t = collect({ sampleRate, server: true });
  const s: Seen = { t, client: [], server: [] };
  t.tracer.on('tally', (r) => (r.source === 'server' ? s.server : s.client).push({ ...r, toTrace: r.toTrace }));
  return s;
}

/** One request on the agent's kept-alive socket that settles (ok or not) instead of throwing. */
function attempt(url: string, agent: http.Agent, onResponse?: (req: http.ClientRequest, res: http.IncomingMessage) => void): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      onResponse?.(req, res);
      res.on('data', () => {});
      res.on('end', () => resolve('end'));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      res.on('aborted', () => resolve('aborted'));
    });
    req.setTimeout(5000, () => req.destroy(new Error('deadline')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    req.on('close', () => setTimeout(() => resolve('closed'), 50));
  });
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('counted node:http requests end like traced ones, without a listener per request', { timeout: 30_000 }, () => {
  for (const rate of [0, 1]) {
    const level = rate === 0 ? 'counted' : 'traced';

    test(`${level}: kept-alive requests end on their socket's 'free', each counted once on both sides with its status`, async () => {
      let served = 0;
      const srv: Served<http.Server> = await httpServer((req, res) => {
        served++;
        res.statusCode = req.url === '/missing' ? 404 : 200;
        res.end('ok');
      });
      const s = watch(rate);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      cleanups.push(() => srv.close(), () => s.t.stop(), () => agent.destroy());
      for (let i = 0; i < 6; i++) await get(`${srv.origin}/${i % 3 === 2 ? 'missing' : 'x'}`, { agent });
      await until(() => s.client.length === 6 && s.server.length === 6, 3000, 'a tally per request and side');
      assert.equal(served, 6);
      assert.deepEqual(s.client.map((r) => r.status), [200, 200, 404, 200, 200, 404]);
      assert.deepEqual(s.server.map((r) => r.status), [200, 200, 404, 200, 200, 404]);
      // one connection, its first request always traced; the rest sampled at this rate
      assert.equal(new Set(s.client.map((r) => r.connectionId)).size, 1);
      assert.equal(s.client.filter((r) => !r.sampled).length, rate === 0 ? 5 : 0);
      assert.equal(s.server.filter((r) => !r.sampled).length, rate === 0 ? 5 : 0);
      assert.deepEqual(s.t.tracer.inflight(), []);
      assert.equal(s.t.tracer.serverCounts().requests, 0);
      assert.deepEqual(s.t.diagnostics, []);
    });

    test(`${level}: a response body the server cuts off ends the client request as ABORTED (body incomplete), the server's side as ECONNRESET`, async () => {
      const srv: Served<http.Server> = await httpServer((req, res) => {
        if (req.url !== '/cut') return void res.end('ok');
        res.writeHead(200, { 'content-length': '100' });
        res.write('part');
        setTimeout(() => req.socket.destroy(), 30);
      });
      const s = watch(rate);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      cleanups.push(() => srv.close(), () => s.t.stop(), () => agent.destroy());
      await get(`${srv.origin}/first`, { agent });
      const outcome = await attempt(`${srv.origin}/cut`, agent);
      assert.notEqual(outcome, 'end');
      await until(() => s.client.length === 2 && s.server.length === 2, 3000, 'both requests settled on both sides');
      const cut = s.client[1]!;
      assert.equal(cut.sampled, rate !== 0);
      assert.equal(cut.error?.code, 'ABORTED', JSON.stringify(cut.error));
      assert.equal(cut.status, 200);
      assert.equal(s.server[1]!.error?.code, 'ECONNRESET');
      assert.deepEqual(s.t.tracer.inflight(), []);
      assert.deepEqual(s.t.diagnostics, []);
    });

    test(`${level}: a client that aborts a request on a kept-alive socket before its response: socket hang up (ECONNRESET) on the client, the server's unwritten response ECONNRESET`, async () => {
      let sockets = 0;
      const waiting: http.ServerResponse[] = [];
      const srv: Served<http.Server> = await httpServer((req, res) => {
        if (req.url === '/slow') waiting.push(res);
        else res.end('ok');
      });
      srv.server.on('connection', () => sockets++);
      const s = watch(rate);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      cleanups.push(() => srv.close(), () => s.t.stop(), () => agent.destroy());
      await get(`${srv.origin}/first`, { agent });
      let socket: Socket | undefined;
      const outcome = attempt(`${srv.origin}/slow`, agent);
      await until(() => waiting.length === 1, 3000, 'the slow request to reach the server');
      // the client gives up: its socket is the only way out, so both ends must settle
      for (const sk of Object.values(agent.sockets).flat()) socket = sk as Socket;
      assert.ok(socket, 'the agent holds the busy socket');
      (socket as Socket & { _httpMessage: http.ClientRequest })._httpMessage.destroy();
      await outcome;
      await until(() => s.client.length === 2 && s.server.length === 2, 3000, 'both requests settled on both sides');
      assert.equal(sockets, 1, 'the aborted request went out on the kept-alive connection');
      assert.equal(s.client[1]!.error?.code, 'ECONNRESET', JSON.stringify(s.client[1]));
      assert.equal(s.client[1]!.status, undefined);
      assert.equal(s.server[1]!.error?.code, 'ECONNRESET', JSON.stringify(s.server[1]));
      assert.equal(s.server[1]!.status, undefined);
      assert.deepEqual(s.t.tracer.inflight(), []);
      assert.equal(s.t.tracer.serverCounts().requests, 0);
      assert.deepEqual(s.t.diagnostics, []);
    });

    test(`${level}: pipelined requests on one connection: each response ends its own request (status and path match)`, async () => {
      const srv: Served<http.Server> = await httpServer((req, res) => {
        // answered out of arrival order: Node still writes the responses in request order
        const status = req.url === '/missing' ? 404 : req.url === '/created' ? 201 : 200;
        setTimeout(() => {
          res.statusCode = status;
          res.end(req.url);
        }, req.url === '/first' ? 40 : 5);
      });
      const s = watch(rate);
      cleanups.push(() => srv.close(), () => s.t.stop());
      const socket = net.connect(srv.port, '127.0.0.1');
      cleanups.push(() => socket.destroy());
      let got = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (got += d));
      const paths = ['/first', '/missing', '/created', '/last'];
      socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
      await until(() => s.server.length === 4, 3000, 'a tally per pipelined request');
      await until(() => (got.match(/HTTP\/1\.1 /g) ?? []).length === 4, 3000, 'the server to answer all four');
      assert.deepEqual(s.server.map((r) => [r.toTrace().path, r.status]), [['/first', 200], ['/missing', 404], ['/created', 201], ['/last', 200]]);
      assert.equal(s.server.filter((r) => !r.sampled).length, rate === 0 ? 3 : 0);
      assert.equal(s.t.tracer.serverCounts().requests, 0);
      assert.deepEqual(s.t.diagnostics, []);
    });
  }
});
