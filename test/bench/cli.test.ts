import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { run } from '../../src/cli/program.js';
import { captureIO, type CapturedIO } from '../helpers/cli-io.js';
import { EXIT } from '../../src/errors.js';
import { httpServer, httpsServer } from '../helpers/servers.js';

function io(env: Record<string, string | undefined> = {}, signal = new AbortController().signal): CapturedIO {
  return captureIO(env, { signal });
}

const served = await httpServer((req, res) => res.end(`seen ${req.headers.authorization ? 'auth' : 'none'}`));
after(() => served.close());
const url = `${served.origin}/`;

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('--json prints one JSON document on stdout and nothing else', { timeout: 20_000 }, async () => {
  const c = io();
  const code = await run(['bench', url, '-n', '50', '-c', '2', '--json'], c);
  assert.equal(code, EXIT.ok, c.err);
  const doc = JSON.parse(c.out);
  assert.equal(doc.stats.requests, 50);
  assert.equal(doc.stats.statusCodes['200'], 50);
  assert.equal(doc.settings.client, 'undici');
  assert.ok(Array.isArray(doc.findings));
  assert.equal(c.err, '');
});

test('the text report has throughput, latency, phases and connections, without colors when NO_COLOR is set', { timeout: 20_000 }, async () => {
  const c = io({ NO_COLOR: '1' });
  const code = await run(['bench', url, '-d', '400ms', '-c', '4', '--connections', '2', '--client', 'raw'], c);
  assert.equal(code, EXIT.ok, c.err);
  const text = c.out;
  for (const s of ['req/s', 'p99.9', 'blocked', 'reuse rate', 'requests/conn', 'closes', 'Findings']) assert.ok(text.includes(s), s);
  assert.ok(!text.includes('\u001b['), 'no ANSI escapes');
});

test('invalid options and matrix specs: one line, exit 2', { timeout: 20_000 }, async () => {
  for (const argv of [
    ['bench', url, '-c', '0'],
    ['bench', url, '-c', 'many'],
    ['bench', url, '-d', 'forever'],
    ['bench', url, '--client', 'curl'],
    ['bench', url, '--matrix', 'colour=red'],
    ['bench', url, '--matrix', 'keepalive=on,maybe'],
    ['bench', url, '-H', 'no-colon'],
    ['bench', url, '--ca', '/nonexistent/ca.pem'],
    ['bench', 'not a url'],
    ['bench', 'ftp://127.0.0.1/'],
    ['bench', url, '--fail-on', 'panic'],
  ]) {
    const c = io();
    const code = await run(argv, c);
    assert.equal(code, EXIT.usage, `${argv.join(' ')} → ${code} ${c.err}`);
    assert.equal(c.err.trim().split('\n').length, 1, c.err);
    assert.ok(!c.err.includes('    at '), 'no stack trace');
  }
});

test('an unreachable target exits 3 quickly', { timeout: 20_000 }, async () => {
  const c = io();
  const started = Date.now();
  const code = await run(['bench', `http://127.0.0.1:${await closedPort()}/`, '-d', '5s'], c);
  assert.equal(code, EXIT.network);
  assert.ok(Date.now() - started < 3000);
  assert.match(c.err, /ECONNREFUSED/);
});

test('certificate verification stays on: an unknown CA exits 3 with a hint; --ca or --insecure get through', { timeout: 20_000 }, async () => {
  const tls = await httpsServer((_req, res) => res.end('ok'));
  const dir = mkdtempSync(join(tmpdir(), 'connscope-bench-'));
  try {
    const bad = io();
    assert.equal(await run(['bench', `${tls.origin}/`, '-n', '5'], bad), EXIT.network);
    assert.match(bad.err, /--ca/);
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, tls.chain.caPem);
    const good = io();
    assert.equal(await run(['bench', `${tls.origin}/`, '-n', '5', '--ca', caFile, '--json'], good), EXIT.ok, good.err);
    assert.equal(JSON.parse(good.out).stats.handshakes.full >= 1, true);
    const insecure = io();
    assert.equal(await run(['bench', `${tls.origin}/`, '-n', '5', '--insecure', '--client', 'raw'], insecure), EXIT.ok, insecure.err);
    assert.match(insecure.err, /insecure/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await tls.close();
  }
});

test('--client h2 against a server without HTTP/2: one line naming the problem, exit 3, no load', { timeout: 20_000 }, async () => {
  const tls = await httpsServer((_req, res) => res.end('ok'));
  const dir = mkdtempSync(join(tmpdir(), 'connscope-bench-'));
  try {
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, tls.chain.caPem);
    for (const target of [`${tls.origin}/`, url]) {
      const c = io({ NO_COLOR: '1' });
      const started = Date.now();
      assert.equal(await run(['bench', target, '--client', 'h2', '--ca', caFile, '-d', '5s'], c), EXIT.network, c.err);
      assert.ok(Date.now() - started < 3000);
      assert.equal(c.err.trim().split('\n').length, 1, c.err);
      assert.match(c.err, /does not offer HTTP\/2/);
      assert.equal(c.out, '');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await tls.close();
  }
});

for (const client of ['raw', 'undici'] as const) {
  test(`${client}: a server killed mid-run → errors counted, the report printed, exit 1`, { timeout: 20_000 }, async () => {
    const victim = await httpServer((_req, res) => res.end('ok'));
    setTimeout(() => void victim.close(), 300);
    const c = io({ NO_COLOR: '1' });
    const code = await run(['bench', `${victim.origin}/`, '-d', '1s', '-c', '2', '--client', client, '--json'], c);
    assert.equal(code, EXIT.findings, c.err);
    const doc = JSON.parse(c.out);
    assert.ok(doc.stats.requests > 0);
    assert.ok(doc.stats.errors > 0, JSON.stringify(doc.stats.errorsByCode));
    assert.ok(doc.stats.statusCodes['200'] > 0);
  });
}

test('Ctrl-C (the io signal) prints the partial report', { timeout: 20_000 }, async () => {
  const ac = new AbortController();
  const c = io({ NO_COLOR: '1' }, ac.signal);
  setTimeout(() => ac.abort(), 400);
  const started = Date.now();
  const code = await run(['bench', url, '-d', '30s', '--client', 'raw', '-c', '2'], c);
  assert.ok(Date.now() - started < 5000);
  assert.equal(code, EXIT.ok);
  assert.match(c.out, /interrupted/);
  assert.match(c.out, /req\/s/);
});

test('credentials in the URL and secret headers never appear in the output', { timeout: 20_000 }, async () => {
  const u = new URL(url);
  u.username = 'alice';
  u.password = 'hunter2pass';
  for (const extra of [['--json'], []]) {
    const c = io({ NO_COLOR: '1' });
    // options before the URL, as curl users write them
    const code = await run(['bench', '-H', 'Authorization: Bearer tok3nsecret', '-H', 'Cookie: sid=c00kiesecret', u.toString(), '-n', '10', ...extra], c);
    assert.equal(code, EXIT.ok, c.err);
    const all = c.out + c.err;
    for (const secret of ['hunter2pass', 'tok3nsecret', 'c00kiesecret']) assert.ok(!all.includes(secret), secret);
  }
});

test('the real binary runs a bench and prints JSON', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', url, '-n', '30', '--client', 'raw', '--json'], {
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
  assert.equal(code, 0, err);
  assert.equal(JSON.parse(out).stats.requests, 30);
});
