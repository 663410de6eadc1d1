import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { bench } from '../../src/bench/run.js';
import { run } from '../../src/cli/program.js';
import { EXIT } from '../../src/errors.js';
import { captureIO } from '../helpers/cli-io.js';
import * as hostile from '../helpers/hostile-servers.js';

const ids = (r: { findings: { id: string }[] }): string[] => r.findings.map((f) => f.id);

/** An h2c server that counts, per session, its streams, and the most sessions and streams open at once. */
async function countingServer(settings: http2.Settings = {}, delayMs = 20): Promise<{ url: string; streamsPerSession: () => number[]; maxOpenSessions: () => number; maxStreamsInSession: () => number; close: () => Promise<void> }> {
  const server = http2.createServer({ settings });
  const perSession = new Map<http2.Http2Session, number>();
  const activePer = new Map<http2.Http2Session, number>();
  let open = 0;
  let maxOpen = 0;
  let maxStreams = 0;
  server.on('session', (s) => {
    perSession.set(s, 0);
    activePer.set(s, 0);
    maxOpen = Math.max(maxOpen, ++open);
    s.on('close', () => open--);
    s.on('error', () => undefined);
  });
  server.on('stream', (stream) => {
    const s = stream.session!;
    perSession.set(s, perSession.get(s)! + 1);
    const a = activePer.get(s)! + 1;
    activePer.set(s, a);
    maxStreams = Math.max(maxStreams, a);
    stream.on('close', () => activePer.set(s, activePer.get(s)! - 1));
    setTimeout(() => {
      stream.respond({ ':status': 200 });
      stream.end('ok');
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    // the check before the load opens a session too, without streams
    streamsPerSession: () => [...perSession.values()].filter((n) => n > 0),
    maxOpenSessions: () => maxOpen,
    maxStreamsInSession: () => maxStreams,
    close: () =>
      new Promise<void>((r) => {
        for (const s of perSession.keys()) s.destroy();
        server.close(() => r());
      }),
  };
}

test('h2: --connections 5 is a pool of 5 sessions open at once, streams spread over all of them', { timeout: 20_000 }, async () => {
  const s = await countingServer();
  try {
    const r = await bench({ url: s.url, client: 'h2', concurrency: 10, connections: 5, requests: 300 });
    assert.equal(r.stats.statusCodes['200'], 300, JSON.stringify(r.stats.errorsByCode));
    const per = s.streamsPerSession();
    assert.equal(per.length, 5, `streams per session ${per.join(',')}`);
    // spread: no session carried everything (each took at least a tenth of its fair share)
    assert.ok(Math.min(...per) >= 6, `streams per session ${per.join(',')}`);
    assert.ok(s.maxOpenSessions() >= 5, `at most ${s.maxOpenSessions()} sessions open at once`);
    assert.equal(r.stats.connectionsOpened, 5);
  } finally {
    await s.close();
  }
});

test("h2: each session's SETTINGS_MAX_CONCURRENT_STREAMS is respected across the pool (no refused streams)", { timeout: 20_000 }, async () => {
  const s = await countingServer({ maxConcurrentStreams: 2 });
  try {
    const r = await bench({ url: s.url, client: 'h2', concurrency: 12, connections: 3, requests: 120 });
    assert.equal(r.stats.statusCodes['200'], 120, JSON.stringify(r.stats.errorsByCode));
    assert.ok(s.maxStreamsInSession() <= 2, `a session had ${s.maxStreamsInSession()} streams at once`);
    assert.equal(s.streamsPerSession().length, 3);
    assert.deepEqual(r.session.facts.http2?.streamsRetried, { refused: 0, goaway: 0 });
  } finally {
    await s.close();
  }
});

test("h2: streams above a GOAWAY's last-stream-id are retried on another session, counted apart, not errors, not toward -n", { timeout: 20_000 }, async () => {
  const h = await hostile.h2Goaway(5);
  try {
    const r = await bench({ url: h.url, client: 'h2', concurrency: 10, connections: 1, requests: 100, durationMs: 10_000 });
    assert.equal(r.stats.errors, 0, JSON.stringify(r.stats.errorsByCode));
    assert.equal(r.stats.requests, 100);
    assert.equal(r.stats.statusCodes['200'], 100);
    const retried = r.session.facts.http2?.streamsRetried;
    assert.ok(retried && retried.goaway > 0, JSON.stringify(retried));
    // ground truth: the server received every stream, answered 5 per session, and left the rest unprocessed
    assert.equal(h.streams(), 100 + retried.goaway + retried.refused, `server streams ${h.streams()}`);
    assert.ok(ids(r).includes('h2-goaway'));
    assert.ok(!ids(r).includes('h2-streams-reset'));
  } finally {
    await h.close();
  }
});

test('h2: a server that resets every stream → clean NGHTTP2_* code with its meaning, h2-streams-reset, a failed run', { timeout: 20_000 }, async () => {
  const h = await hostile.h2ResetEveryStream();
  try {
    const c = captureIO({ NO_COLOR: '1' });
    assert.equal(await run(['bench', h.url, '--client', 'h2', '-n', '30', '-c', '3', '--json'], c), EXIT.findings, c.err);
    const doc = JSON.parse(c.out);
    assert.deepEqual(doc.stats.errorsByCode, { NGHTTP2_INTERNAL_ERROR: 30 });
    assert.equal(doc.errorCodes[0].code, 'NGHTTP2_INTERNAL_ERROR');
    assert.match(doc.errorCodes[0].meaning, /reset the HTTP\/2 stream with INTERNAL_ERROR/);
    const f = doc.findings.find((x: { id: string }) => x.id === 'h2-streams-reset');
    assert.ok(f, doc.findings.map((x: { id: string }) => x.id).join());
    assert.equal(f.severity, 'error');
    assert.equal(f.evidence.reset, 30);
    assert.ok(doc.findings.some((x: { id: string }) => x.id === 'no-request-completed'));
    const t = captureIO({ NO_COLOR: '1' });
    await run(['bench', h.url, '--client', 'h2', '-n', '10', '-c', '2'], t);
    assert.doesNotMatch(t.out, /ERR_HTTP2_STREAM_ERROR|Stream closed with error code/);
    assert.match(t.out, /NGHTTP2_INTERNAL_ERROR\s+10\s+the server reset the HTTP\/2 stream with INTERNAL_ERROR/);
  } finally {
    await h.close();
  }
});

test('h2: REFUSED_STREAM is retried (bounded), then counted as NGHTTP2_REFUSED_STREAM', { timeout: 20_000 }, async () => {
  const h = await hostile.h2ResetEveryStream(http2.constants.NGHTTP2_REFUSED_STREAM);
  try {
    const r = await bench({ url: h.url, client: 'h2', concurrency: 2, connections: 2, requests: 10, durationMs: 10_000 });
    assert.deepEqual(r.stats.errorsByCode, { NGHTTP2_REFUSED_STREAM: 10 });
    // each request: one try and three retries, all refused; the retries are not requests
    assert.equal(r.session.facts.http2?.streamsRetried?.refused, 30);
    assert.equal(h.streams(), 40);
    assert.ok(ids(r).includes('h2-streams-reset'));
  } finally {
    await h.close();
  }
});

test('h2 control: a healthy server → no h2-streams-reset, nothing retried', { timeout: 20_000 }, async () => {
  const s = await countingServer({}, 0);
  try {
    const r = await bench({ url: s.url, client: 'h2', concurrency: 4, requests: 200 });
    assert.equal(r.stats.statusCodes['200'], 200);
    assert.ok(!ids(r).includes('h2-streams-reset'), ids(r).join());
    assert.deepEqual(r.session.facts.http2?.streamsRetried, { refused: 0, goaway: 0 });
    assert.equal(r.session.facts.http2?.streamsReset, 0);
  } finally {
    await s.close();
  }
});

test('h2: a session ended by GOAWAY PROTOCOL_ERROR is a session error, not a reset of each stream', { timeout: 20_000 }, async () => {
  const server = http2.createServer();
  server.on('session', (s) => s.on('error', () => undefined));
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.session!.goaway(http2.constants.NGHTTP2_PROTOCOL_ERROR);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const r = await bench({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, client: 'h2', concurrency: 1, requests: 5, durationMs: 8000 });
    assert.deepEqual(r.stats.errorsByCode, { ERR_HTTP2_SESSION_ERROR: 5 });
    assert.equal(r.errorTable[0]!.example, 'the server ended the session with GOAWAY PROTOCOL_ERROR');
    assert.equal(r.session.facts.http2?.streamsReset, 0);
    assert.ok(!ids(r).includes('h2-streams-reset'), ids(r).join());
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
