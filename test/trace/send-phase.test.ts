import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import { rawServer, type RawServer } from '../helpers/raw-server.js';
import { Pool } from 'undici';
import { collect, phasesConsistent, until } from './collect.js';

/** Bigger than loopback's socket buffers can absorb while the server does not read. */
const BODY = Buffer.alloc(8 * 1024 * 1024, 0x61);
/** How long the server leaves each request unread before draining it. */
const STALL_MS = 400;

/**
 * A raw HTTP/1.1 server that stops reading for STALL_MS at the start of every request, then reads
 * the body (Content-Length) and answers at once: the client's write time is the stall, its wait ~0.
 */
async function slowReader(): Promise<RawServer> {
  return rawServer((s) => {
    const stall = (): void => {
      s.pause();
      setTimeout(() => s.resume(), STALL_MS).unref();
    };
    let head = '';
    let bodyLeft = -1;
    s.on('data', (d: Buffer) => {
      let chunk = d;
      if (bodyLeft < 0) {
        head += chunk.toString('latin1');
        const endOfHead = head.indexOf('\r\n\r\n');
        if (endOfHead === -1) return;
        bodyLeft = Number(/content-length:\s*(\d+)/i.exec(head.slice(0, endOfHead))?.[1] ?? 0);
        chunk = Buffer.from(head.slice(endOfHead + 4), 'latin1');
        head = '';
      }
      bodyLeft -= chunk.length;
      if (bodyLeft > 0) return;
      bodyLeft = -1;
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      stall();
    });
    stall();
  });
}

function post(origin: string, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/upload`, { method: 'POST', agent, headers: { 'content-length': BODY.length } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('client deadline')));
    req.on('error', reject);
    req.end(BODY);
  });
}

/** The body's write time is send, not wait: the server drained it after STALL_MS and answered at once. */
function assertSendCarriesTheBody(phases: { send?: number; wait?: number }, label: string): void {
  assert.ok(phases.send !== undefined && phases.send >= STALL_MS * 0.6, `${label}: send ${phases.send} ms should hold the ~${STALL_MS} ms write`);
  assert.ok(phases.wait !== undefined && phases.wait < STALL_MS * 0.5, `${label}: wait ${phases.wait} ms should be the server's instant answer`);
}

describe('tracer: send phase = time to write the request', { timeout: 30_000 }, () => {
  let srv: RawServer;
  before(async () => {
    srv = await slowReader();
  });
  after(() => srv.close());

  test('node:http POST with an 8 MiB body to a slow reader: send holds the write on a new and on a reused connection', async () => {
    const t = collect();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = srv.connections;
      await post(srv.origin, agent);
      await post(srv.origin, agent);
      await until(() => t.requests.length === 2, 3000, 'two requests');
      assert.equal(srv.connections - before, 1, 'the second POST reused the connection');
      const [first, second] = t.requests;
      assert.equal(first!.reused, false);
      assert.equal(second!.reused, true);
      assertSendCarriesTheBody(first!.phases, 'new connection');
      assertSendCarriesTheBody(second!.phases, 'reused connection');
      for (const r of t.requests) assert.ok(phasesConsistent(r), JSON.stringify(r.phases));
    } finally {
      agent.destroy();
      t.stop();
    }
  });

  test('undici POST with an 8 MiB body to a slow reader: send holds the write on a new and on a reused connection', async () => {
    const t = collect();
    const pool = new Pool(srv.origin, { connections: 1, bodyTimeout: 10_000, headersTimeout: 10_000 });
    try {
      const before = srv.connections;
      for (let i = 0; i < 2; i++) {
        const res = await pool.request({ path: '/upload', method: 'POST', body: BODY });
        await res.body.dump();
      }
      await until(() => t.requests.length === 2, 3000, 'two requests');
      assert.equal(srv.connections - before, 1, 'the second POST reused the connection');
      assertSendCarriesTheBody(t.requests[0]!.phases, 'new connection');
      assertSendCarriesTheBody(t.requests[1]!.phases, 'reused connection');
      for (const r of t.requests) assert.ok(phasesConsistent(r), JSON.stringify(r.phases));
    } finally {
      await pool.destroy();
      t.stop();
    }
  });

  test('undici: a GET before any request body subscribes no bodySent; the POST after it still has its send phase', async () => {
    const t = collect();
    const pool = new Pool(srv.origin, { connections: 1, bodyTimeout: 10_000, headersTimeout: 10_000 });
    try {
      const get = await pool.request({ path: '/plain', method: 'GET' });
      await get.body.dump();
      await until(() => t.requests.length === 1, 3000, 'the GET');
      // undici publishes bodySent for every request once anyone listens: a GET-only app must not make it
      assert.equal(dc.hasSubscribers('undici:request:bodySent'), false, 'no bodySent subscription for requests without a body');
      const g = t.requests[0]!.phases;
      assert.ok(g.send !== undefined && g.send < STALL_MS * 0.5, `GET: send ${g.send} ms is its headers' write`);
      const post = await pool.request({ path: '/upload', method: 'POST', body: BODY });
      await post.body.dump();
      await until(() => t.requests.length === 2, 3000, 'the POST');
      assertSendCarriesTheBody(t.requests[1]!.phases, 'POST after a GET');
      for (const r of t.requests) assert.ok(phasesConsistent(r), JSON.stringify(r.phases));
    } finally {
      await pool.destroy();
      t.stop();
    }
    assert.equal(dc.hasSubscribers('undici:request:bodySent'), false, 'stopping the tracer unsubscribes it');
  });
});
