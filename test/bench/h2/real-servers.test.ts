import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { bench } from '../../../src/bench/run.js';
import { H2Connection, H2Stream, type H2Events } from '../../../src/bench/h2/connection.js';
import { requestBlock } from '../../../src/bench/h2/request-block.js';
import { resolveOptions } from '../../../src/bench/options.js';
import { hasNginx, startNginx } from '../../probe/nginx-server.js';
import { testChain } from '../../helpers/servers.js';

/**
 * The framing engine against real servers: nginx over TLS (ALPN h2) and node:http2 (nghttp2's HPACK
 * encoder, which indexes into the dynamic table and Huffman-codes values). Ground truth is what the
 * servers say they sent and served (nginx's access log; node's own headers and counts).
 */
const chain = await testChain();

/** Opens one connection with the engine's framing layer and returns each response's decoded header list. */
async function fetchHeads(url: string, n: number, ca?: string): Promise<Array<Array<[string, string]>>> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const socket: net.Socket = secure
    ? tls.connect({ host: '127.0.0.1', port: Number(u.port), ca, ALPNProtocols: ['h2'], servername: 'localhost' })
    : net.connect(Number(u.port), '127.0.0.1');
  const heads: Array<Array<[string, string]>> = [];
  let ended = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${ended} of ${n} responses`)), 10_000);
    const events: H2Events<H2Stream> = {
      settings: (first) => {
        // one stream after another: each head is decoded against the table the previous ones built
        if (first) conn.open(new H2Stream(), undefined);
      },
      head: (_s, _status, fields) => {
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i]!, fields[i + 1]!]);
        heads.push(pairs);
      },
      end: () => {
        if (++ended === n) {
          clearTimeout(timer);
          socket.destroy();
          resolve(heads);
        } else conn.open(new H2Stream(), undefined);
      },
      reset: (_s, code) => reject(new Error(`RST_STREAM ${code}`)),
      streamError: (_s, err) => reject(err),
      goaway: () => undefined,
      fail: (err) => reject(err),
    };
    const o = resolveOptions({ url, client: 'h2' });
    const conn = new H2Connection<H2Stream>(socket, events, requestBlock(o), false);
    socket.once(secure ? 'secureConnect' : 'connect', () => conn.start());
    socket.on('data', (d: Buffer) => conn.feed(d));
    socket.on('error', reject);
  });
}

test('HPACK against node:http2: many, large and repeated headers decode exactly as the server sent them, dynamic table and Huffman included', { timeout: 20_000 }, async () => {
  const server = http2.createSecureServer({ key: chain.keyPem, cert: chain.chainPem });
  const sent: Array<Record<string, string | string[]>> = [];
  let n = 0;
  server.on('stream', (stream) => {
    n++;
    // the same fields on every response (indexed from the second on), one that changes, one large, repeated ones
    const h: Record<string, string | string[]> = {
      ':status': n % 2 ? '200' : '404',
      'content-type': 'text/plain; charset=utf-8',
      'x-request-number': String(n),
      'x-large': `L${'abcdefghij'.repeat(300)}${n}`,
      'set-cookie': ['a=1; Path=/', `b=${n}; HttpOnly`],
      'cache-control': 'private, max-age=0',
      'x-huffman': 'www.example.com/some/path?with=query&and=more',
    };
    for (let i = 0; i < 40; i++) h[`x-field-${i}`] = `value-${i}-${i % 3 ? 'same' : n}`;
    sent.push(h);
    stream.respond(h);
    stream.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => server.close());
  const heads = await fetchHeads(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`, 12, chain.caPem);
  assert.equal(heads.length, 12);
  heads.forEach((got, i) => {
    const want: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(sent[i]!)) for (const x of Array.isArray(v) ? v : [v]) want.push([k, x]);
    // node adds date; everything it was given comes back in order
    const mine = got.filter(([k]) => k !== 'date');
    assert.deepEqual(mine, want, `response ${i + 1}`);
    assert.ok(got.some(([k]) => k === 'date'));
  });
});

test('HPACK against nginx over TLS: server, date, content-type and repeated add_header fields, every response', { skip: !hasNginx && 'nginx not installed', timeout: 30_000 }, async () => {
  const ng = await startNginx(`
    server {
      listen 127.0.0.1:{port} ssl http2;
      ssl_certificate {cert};
      ssl_certificate_key {key};
      location / {
        add_header x-one "first value" always;
        add_header x-one "second value" always;
        add_header x-request $request_id always;
        return 200 "ok";
      }
    }`, chain);
  try {
    const heads = await fetchHeads(`https://127.0.0.1:${ng.port}/`, 20, chain.caPem);
    const ids = new Set<string>();
    for (const h of heads) {
      const get = (k: string): string[] => h.filter(([n]) => n === k).map(([, v]) => v);
      assert.deepEqual(get(':status'), ['200']);
      assert.match(get('server')[0] ?? '', /^nginx/);
      assert.match(get('date')[0] ?? '', /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      assert.deepEqual(get('content-type'), ['text/plain']);
      assert.deepEqual(get('content-length'), ['2']);
      assert.deepEqual(get('x-one'), ['first value', 'second value']);
      assert.match(get('x-request')[0] ?? '', /^[0-9a-f]{32}$/);
      ids.add(get('x-request')[0]!);
    }
    // a value that differs on every response was decoded anew each time (not replayed from the last head)
    assert.equal(ids.size, 20);
  } finally {
    await ng.stop();
  }
});

test('bench --client h2 against nginx over TLS: counts match nginx access log (requests, connections), TLS records, the GOAWAY nginx sends after keepalive_requests mid-run costs no request', { skip: !hasNginx && 'nginx not installed', timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'connscope-h2-nginx-'));
  const log = join(dir, 'access.log');
  // keepalive_requests 100: nginx ends each connection with GOAWAY after 100 streams (mid-run, with streams in flight)
  const ng = await startNginx(`
    log_format counts '$connection $connection_requests $status';
    server {
      listen 127.0.0.1:{port} ssl http2;
      ssl_certificate {cert};
      ssl_certificate_key {key};
      keepalive_requests 100;
      access_log ${log} counts;
      location / { return 200 "ok"; }
    }`, chain);
  try {
    const r = await bench({ url: `https://127.0.0.1:${ng.port}/`, client: 'h2', connections: 4, concurrency: 20, requests: 2000, durationMs: 30_000, ca: chain.caPem });
    assert.equal(r.stats.errors, 0, JSON.stringify(r.stats.errorsByCode));
    assert.equal(r.stats.statusCodes['200'], 2000);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const conns = new Set(lines.map(([c]) => c));
    const retried = r.session.facts.http2!.streamsRetried!;
    // nginx served each request once: streams refused by its GOAWAY (above its last-stream-id) were not
    // logged, their retries on the next session were; none is an error and none counts twice
    assert.equal(lines.length, 2000, `nginx logged ${lines.length} (retried: ${JSON.stringify(retried)})`);
    assert.ok(lines.every(([, n, status]) => Number(n) <= 100 && status === '200'));
    // 2000 requests at 100 per connection: at least 20 sessions, each ended by nginx's GOAWAY (the pre-run check adds one connection)
    assert.ok(conns.size >= 20, `nginx saw ${conns.size} connections`);
    // the sessions that carried requests are nginx's connections, one for one, with nginx's request counts
    const used = [...r.session.connections.values()].filter((c) => c.requests > 0);
    assert.equal(used.length, conns.size);
    assert.deepEqual(used.map((c) => c.requests).sort((a, b) => a - b), [...conns].map((id) => lines.filter(([c]) => c === id).length).sort((a, b) => a - b));
    // a session can open and get no stream (the pool opens one per waiting request, and a retry may find another first)
    assert.ok(r.stats.connectionsOpened >= conns.size && r.stats.connectionsOpened <= conns.size + 4, `opened ${r.stats.connectionsOpened}`);
    // nginx sends GOAWAY on a connection's 100th request: those sessions close as server:goaway (up to the 4 the
    // end of the run may still find draining)
    const full = [...conns].filter((id) => lines.some(([c, n]) => c === id && n === '100')).length;
    const goaways = r.stats.closes['server:goaway'] ?? 0;
    assert.ok(full >= 15 && goaways <= full && goaways >= full - 4, `${full} connections reached 100; closes ${JSON.stringify(r.stats.closes)}`);
    // TLS facts from the shared builder (tlsInfoOf): ALPN h2, a version, a cipher, the chain
    const c = [...r.session.connections.values()][0]!;
    assert.equal(c.protocol, 'h2');
    assert.equal(c.tls?.alpn, 'h2');
    assert.match(c.tls?.version ?? '', /^TLSv1\.[23]$/);
    assert.ok(c.tls?.cipher);
    assert.equal(c.tls?.chain?.depth, 2);
    assert.ok(c.establishment.tls !== undefined && c.establishment.tls > 0);
    const ids = r.session.requests.map((x) => x.connectionId);
    assert.ok(ids.every((id) => id !== undefined));
  } finally {
    await ng.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench --client h2 against nginx h2c (prior knowledge, no TLS): every request served, nginx counts them', { skip: !hasNginx && 'nginx not installed', timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'connscope-h2c-nginx-'));
  const log = join(dir, 'access.log');
  const ng = await startNginx(`
    log_format counts '$connection $server_protocol $status';
    server {
      listen 127.0.0.1:{port} http2;
      access_log ${log} counts;
      location / { return 200 "ok"; }
    }`);
  try {
    const r = await bench({ url: `http://127.0.0.1:${ng.port}/`, client: 'h2', connections: 2, concurrency: 8, requests: 400, durationMs: 20_000 });
    assert.equal(r.stats.statusCodes['200'], 400, JSON.stringify(r.stats.errorsByCode));
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    assert.equal(lines.length, 400);
    assert.ok(lines.every(([, proto, status]) => proto === 'HTTP/2.0' && status === '200'));
    assert.equal(new Set(lines.map(([c]) => c)).size, 2);
    const c = [...r.session.connections.values()][0]!;
    assert.equal(c.protocol, 'h2');
    assert.equal(c.tls, undefined);
  } finally {
    await ng.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
