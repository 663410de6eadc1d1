import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { bench } from '../../src/bench/run.js';
import type { ClientKind } from '../../src/bench/options.js';
import { run } from '../../src/cli/program.js';
import { EXIT } from '../../src/errors.js';
import { captureIO } from '../helpers/cli-io.js';
import { httpServer } from '../helpers/servers.js';
import * as hostile from '../helpers/hostile-servers.js';

const ids = (r: { findings: { id: string }[] }): string[] => r.findings.map((f) => f.id);

/** Each server where nothing can complete, with the step every request is stuck in. */
const STUCK: Array<[string, () => Promise<hostile.Hostile>, ClientKind, string]> = [
  ['silent', hostile.silent, 'undici', 'waiting'],
  ['silent', hostile.silent, 'raw', 'waiting'],
  ['slowloris status line', hostile.slowlorisStatusLine, 'http', 'waiting'],
  ['slowloris status line', hostile.slowlorisStatusLine, 'raw', 'waiting'],
  ['endless chunked body', hostile.endlessChunkedBody, 'undici', 'receiving'],
  ['endless chunked body', hostile.endlessChunkedBody, 'fetch', 'receiving'],
  ['endless chunked body', hostile.endlessChunkedBody, 'raw', 'receiving'],
  ['h2 max concurrent streams 0', hostile.h2MaxStreamsZero, 'h2', 'blocked'],
];

for (const [name, make, client, step] of STUCK) {
  test(`nothing completes (${name}, --client ${client}) → a failed run, no-request-completed says every request was stuck ${step}`, { timeout: 20_000 }, async () => {
    const h = await make();
    try {
      const r = await bench({ url: h.url, client, concurrency: 4, durationMs: 800 });
      assert.equal(r.stats.requests, 0, JSON.stringify(r.stats.errorsByCode));
      assert.equal(r.failed, true);
      assert.equal(r.abandoned, 4);
      assert.deepEqual(r.stuck, { [step]: 4 });
      const f = r.findings.find((x) => x.id === 'no-request-completed');
      assert.ok(f, ids(r).join());
      assert.equal(f.severity, 'error');
      assert.equal(f.evidence.stuckIn, step);
      assert.equal(f.evidence[`stuck_${step}`], 4);
      assert.match(f.title, /all 4 requests were stuck /);
      if (client !== 'h2') assert.ok(h.connections() >= 2, `the server saw ${h.connections()} connections`);
      else assert.equal(h.streams(), 0, 'no stream was opened against a limit of 0');
    } finally {
      await h.close();
    }
  });
}

test('an endless chunk-size line: the raw engine fails each response fast with bounded memory; the run is failed (HPE_* code)', { timeout: 20_000 }, async () => {
  const h = await hostile.endlessChunkSizeLine();
  try {
    const before = process.memoryUsage().rss;
    const r = await bench({ url: h.url, client: 'raw', concurrency: 4, durationMs: 1500 });
    const grown = process.memoryUsage().rss - before;
    assert.ok(r.stats.errors > 4, `errors ${r.stats.errors}`);
    // the code node:http gives for the same bytes
    assert.deepEqual(Object.keys(r.stats.errorsByCode), ['HPE_INVALID_CHUNK_SIZE']);
    assert.equal(r.failed, true);
    assert.ok(ids(r).includes('no-request-completed'));
    // before: 272 MB more in 1.5 s; each response now stops after 14 digits of the line
    assert.ok(grown < 150 * 1024 * 1024, `RSS grew ${Math.round(grown / 1e6)} MB`);
  } finally {
    await h.close();
  }
});

test('raw engine against llhttp rejections: CL+TE, two Content-Lengths, 10,000 headers, an endless header are errors with HPE_* codes', { timeout: 30_000 }, async () => {
  const cases: Array<[() => Promise<hostile.Hostile>, string]> = [
    [hostile.contentLengthAndChunked, 'HPE_INVALID_TRANSFER_ENCODING'],
    [hostile.duplicateContentLength, 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    [hostile.tenThousandHeaders, 'HPE_HEADER_OVERFLOW'],
    [hostile.endlessHeader, 'HPE_HEADER_OVERFLOW'],
    [hostile.garbageStatusLine, 'HPE_INVALID_CONSTANT'],
  ];
  for (const [make, code] of cases) {
    const h = await make();
    try {
      const r = await bench({ url: h.url, client: 'raw', concurrency: 2, requests: 20, durationMs: 5000 });
      assert.deepEqual(r.stats.statusCodes, {}, code);
      assert.deepEqual(r.stats.errorsByCode, { [code]: 20 });
      // each rejected response closes its connection, as Node and undici do
      assert.ok(h.connections() >= 20, `${code}: ${h.connections()} connections`);
    } finally {
      await h.close();
    }
  }
  // interim responses are legal and skipped: every request gets its 200
  const h = await hostile.interimBeforeFinal();
  try {
    const r = await bench({ url: h.url, client: 'raw', concurrency: 2, requests: 20, durationMs: 5000 });
    assert.deepEqual(r.stats.statusCodes, { 200: 20 });
    assert.equal(r.failed, false);
  } finally {
    await h.close();
  }
});

test('CLI: a silent server → exit 1, FAILED and the unfinished requests in the terminal, failed + stuck in the JSON', { timeout: 20_000 }, async () => {
  const h = await hostile.silent();
  try {
    const c = captureIO({ NO_COLOR: '1' });
    assert.equal(await run(['bench', h.url, '-d', '800ms', '-c', '3'], c), EXIT.findings, c.err);
    assert.match(c.out, /FAILED: no request completed/);
    assert.match(c.out, /unfinished\s+3 in flight at the end, not counted \(waiting×3\)/);
    assert.match(c.out, /no-request-completed\s+No request completed in [\d.]+ s: all 3 requests were stuck waiting for the response head/);
    const j = captureIO();
    assert.equal(await run(['bench', h.url, '-d', '800ms', '-c', '3', '--json'], j), EXIT.findings, j.err);
    const doc = JSON.parse(j.out);
    assert.equal(doc.failed, true);
    assert.equal(doc.abandoned, 3);
    assert.deepEqual(doc.stuck, { waiting: 3 });
    assert.ok(doc.findings.some((f: { id: string }) => f.id === 'no-request-completed'));
  } finally {
    await h.close();
  }
});

test('control: a healthy server → not failed, no no-request-completed finding, exit 0', { timeout: 20_000 }, async () => {
  const s = await httpServer((_req, res) => res.end('ok'));
  try {
    for (const client of ['undici', 'raw'] as const) {
      const r = await bench({ url: `${s.origin}/`, client, concurrency: 4, durationMs: 500 });
      assert.ok(r.stats.requests > 10);
      assert.equal(r.failed, false);
      assert.ok(!ids(r).includes('no-request-completed'), ids(r).join());
    }
    const c = captureIO({ NO_COLOR: '1' });
    assert.equal(await run(['bench', `${s.origin}/`, '-n', '50', '-c', '2'], c), EXIT.ok, c.err);
    assert.doesNotMatch(c.out, /FAILED/);
  } finally {
    await s.close();
  }
});

test('the real binary against a silent server: exit 1 within the run time, FAILED and the stuck step on stdout, no stack', { timeout: 30_000 }, async () => {
  const h = await hostile.silent();
  try {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', '-d', '1s', '-c', '5', h.url], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(killer);
    assert.equal(code, EXIT.findings, err);
    assert.ok(Date.now() - started < 20_000);
    assert.match(out, /FAILED: no request completed/);
    assert.match(out, /unfinished\s+5 in flight at the end, not counted \(waiting×5\)/);
    assert.doesNotMatch(out + err, /\n\s+at /, 'no stack trace');
  } finally {
    await h.close();
  }
});

test('requests that hit --timeout against a silent server: no-request-completed names the step from the deadline (undici headers timeout → waiting)', { timeout: 20_000 }, async () => {
  const h = await hostile.silent();
  try {
    const r = await bench({ url: h.url, client: 'undici', concurrency: 2, durationMs: 1500, timeoutMs: 300 });
    assert.ok((r.stats.errorsByCode.UND_ERR_HEADERS_TIMEOUT ?? 0) >= 2, JSON.stringify(r.stats.errorsByCode));
    assert.equal(r.failed, true);
    const f = r.findings.find((x) => x.id === 'no-request-completed');
    assert.ok(f);
    assert.equal(f.evidence.stuckIn, 'waiting');
    assert.match(f.title, /timed out waiting for the response head \(UND_ERR_HEADERS_TIMEOUT\)/);
  } finally {
    await h.close();
  }
});
