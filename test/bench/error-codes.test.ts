import { test } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { bench } from '../../src/bench/run.js';
import type { ClientKind } from '../../src/bench/options.js';
import { describeBenchError, ERROR_MEANINGS } from '../../src/bench/error-codes.js';
import { run } from '../../src/cli/program.js';
import { captureIO } from '../helpers/cli-io.js';
import { httpServer } from '../helpers/servers.js';
import * as hostile from '../helpers/hostile-servers.js';

async function codesOf(make: () => Promise<hostile.Hostile>, client: ClientKind): Promise<{ codes: Record<string, number>; table: Array<{ code: string; meaning: string; example: string }> }> {
  const h = await make();
  try {
    const r = await bench({ url: h.url, client, concurrency: 2, requests: 10, durationMs: 8000 });
    return { codes: r.stats.errorsByCode, table: r.errorTable };
  } finally {
    await h.close();
  }
}

test('undici and fetch: a garbage status line is HPE_INVALID_CONSTANT (undici leaves the code empty), not UNKNOWN', { timeout: 30_000 }, async () => {
  for (const client of ['undici', 'fetch'] as const) {
    const { codes, table } = await codesOf(hostile.garbageStatusLine, client);
    assert.deepEqual(codes, { HPE_INVALID_CONSTANT: 10 }, client);
    assert.match(table[0]!.meaning, /does not start with HTTP\//);
    assert.match(table[0]!.example, /Expected HTTP\//);
  }
  // node:http reports the same code for the same bytes: one code whatever the client
  assert.deepEqual((await codesOf(hostile.garbageStatusLine, 'http')).codes, { HPE_INVALID_CONSTANT: 10 });
});

test('undici: 100 Continue before the 200 fails in undici 7 itself → CONNSCOPE_ERR_100_CONTINUE (node:http and raw read the 200)', { timeout: 30_000 }, async () => {
  const { codes, table } = await codesOf(hostile.interimBeforeFinal, 'undici');
  assert.deepEqual(codes, { CONNSCOPE_ERR_100_CONTINUE: 10 });
  assert.match(table[0]!.meaning, /100 Continue.*undici/);
  for (const client of ['http', 'raw'] as const) {
    const h = await hostile.interimBeforeFinal();
    try {
      const r = await bench({ url: h.url, client, concurrency: 2, requests: 10, durationMs: 8000 });
      assert.deepEqual(r.stats.statusCodes, { 200: 10 }, client);
    } finally {
      await h.close();
    }
  }
});

test('fetch: a redirect loop is CONNSCOPE_ERR_TOO_MANY_REDIRECTS, not UNKNOWN', { timeout: 30_000 }, async () => {
  const s = await httpServer((req, res) => {
    res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' });
    res.end();
  });
  try {
    const r = await bench({ url: `${s.origin}/a`, client: 'fetch', concurrency: 2, requests: 6, durationMs: 8000 });
    assert.deepEqual(r.stats.errorsByCode, { CONNSCOPE_ERR_TOO_MANY_REDIRECTS: 6 });
    assert.match(r.errorTable[0]!.meaning, /redirect loop/);
    assert.equal(r.failed, true);
  } finally {
    await s.close();
  }
});

test('fetch: a redirect to a host that does not resolve is ENOTFOUND, said to be the redirect target (resolved locally, no DNS query leaves)', { timeout: 30_000 }, async () => {
  // .invalid never resolves (RFC 6761); the lookup is answered here so no query reaches a resolver
  const real = dns.lookup;
  const asked: string[] = [];
  (dns as { lookup: unknown }).lookup = (host: string, options: unknown, cb?: unknown): void => {
    if (!host.endsWith('.invalid')) return (real as (...a: unknown[]) => void)(host, options, cb);
    asked.push(host);
    const callback = (typeof options === 'function' ? options : cb) as (err: Error) => void;
    process.nextTick(callback, Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname: host }));
  };
  const s = await httpServer((_req, res) => {
    res.writeHead(302, { location: 'http://nowhere.invalid/' });
    res.end();
  });
  try {
    const r = await bench({ url: `${s.origin}/`, client: 'fetch', concurrency: 1, requests: 3, durationMs: 8000 });
    assert.ok(asked.length >= 3 && asked.every((h) => h === 'nowhere.invalid'), `looked up ${asked.join()}`);
    assert.deepEqual(r.stats.errorsByCode, { ENOTFOUND: 3 });
    assert.match(r.errorTable[0]!.example, /nowhere\.invalid.*redirect target's host, not 127\.0\.0\.1/);
    assert.match(r.errorTable[0]!.meaning, /does not exist in DNS/);
  } finally {
    dns.lookup = real;
    await s.close();
  }
});

test('every code the hostile gallery produces has a meaning in the table; the terminal shows code, count, meaning', { timeout: 60_000 }, async () => {
  const cases: Array<[() => Promise<hostile.Hostile>, ClientKind]> = [
    [hostile.garbageStatusLine, 'undici'],
    [hostile.endlessChunkSizeLine, 'undici'],
    [hostile.endlessHeader, 'undici'],
    [hostile.contentLengthAndChunked, 'fetch'],
    [hostile.duplicateContentLength, 'http'],
    [hostile.tenThousandHeaders, 'raw'],
    [hostile.h2MaxStreamsZero, 'undici'],
  ];
  for (const [make, client] of cases) {
    const { codes } = await codesOf(make, client);
    for (const code of Object.keys(codes)) {
      assert.notEqual(code, 'UNKNOWN');
      assert.ok(ERROR_MEANINGS[code], `${code} (${client}) has no meaning in the table`);
    }
  }
  const h = await hostile.garbageStatusLine();
  try {
    const c = captureIO({ NO_COLOR: '1' });
    await run(['bench', h.url, '-n', '5', '-c', '1'], c);
    assert.match(c.out, /Errors\n\s+code\s+count\s+meaning\n\s+HPE_INVALID_CONSTANT\s+5\s+the response does not start with HTTP\//);
  } finally {
    await h.close();
  }
});

test('docs/bench.md lists every code of the table with its meaning', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../docs/bench.md', import.meta.url), 'utf8');
  for (const [code, meaning] of Object.entries(ERROR_MEANINGS)) assert.ok(doc.includes(`| \`${code}\` | ${meaning.replace(/\|/g, '/')} |`), code);
});

test("node:http2's raw error texts (real errors from a real session) become the reset's NGHTTP2_* code and a plain message", { timeout: 20_000 }, async () => {
  const h = await hostile.h2ResetEveryStream(http2.constants.NGHTTP2_REFUSED_STREAM);
  const target = new URL(h.url);
  try {
    const session = http2.connect(target.origin);
    session.on('error', () => undefined);
    const streamError = await new Promise<unknown>((resolve) => {
      const stream = session.request({ ':path': '/' });
      stream.on('error', resolve);
      stream.on('close', () => resolve(undefined));
    });
    session.destroy();
    assert.match(String((streamError as Error).message), /Stream closed with error code NGHTTP2_REFUSED_STREAM/);
    assert.deepEqual(describeBenchError(streamError, target), { code: 'NGHTTP2_REFUSED_STREAM', message: 'the server reset the stream (RST_STREAM REFUSED_STREAM)' });
  } finally {
    await h.close();
  }
  // a GOAWAY with an error code destroys the client session with ERR_HTTP2_SESSION_ERROR
  const server = http2.createServer();
  server.on('stream', (stream) => stream.session!.goaway(http2.constants.NGHTTP2_PROTOCOL_ERROR));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const session = http2.connect(origin);
    // a stream in flight keeps the session (and the loop) busy until the GOAWAY arrives
    session.request({ ':path': '/' }).on('error', () => undefined);
    const sessionError = await new Promise<unknown>((resolve) => session.on('error', resolve));
    session.destroy();
    assert.equal((sessionError as { code?: string }).code, 'ERR_HTTP2_SESSION_ERROR');
    assert.deepEqual(describeBenchError(sessionError, new URL(origin)), { code: 'ERR_HTTP2_SESSION_ERROR', message: 'the server ended the session with GOAWAY PROTOCOL_ERROR' });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('classifyError (the one place codes come from: tracer, probe, bench) gives the real codes for undici parser errors and fetch redirect loops', { timeout: 20_000 }, async () => {
  const { Pool } = await import('undici');
  const { classifyError } = await import('../../src/errors.js');
  const h = await hostile.garbageStatusLine();
  const pool = new Pool(new URL(h.url).origin);
  try {
    const err = await pool.request({ path: '/', method: 'GET' }).then(() => undefined, (e: unknown) => e);
    assert.equal((err as { code?: string }).code, undefined, 'undici leaves the code empty');
    assert.deepEqual([classifyError(err).code, classifyError(err).layer], ['HPE_INVALID_CONSTANT', 'http']);
    const viaFetch = await fetch(h.url).then(() => undefined, (e: unknown) => e);
    assert.equal(classifyError(viaFetch).code, 'HPE_INVALID_CONSTANT');
  } finally {
    await pool.destroy();
    await h.close();
  }
});
