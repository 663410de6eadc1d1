import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpServer, httpsServer } from '../helpers/servers.js';
import { runCli, spawnCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'connscope-probe-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
  rmSync(dir, { recursive: true, force: true });
});

const PHASES = ['blocked', 'dns', 'connect', 'tls', 'send', 'wait', 'receive', 'total'];

test('--json: only JSON on stdout, with the documented shape; absent measurements are null', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => {
    res.setHeader('Keep-Alive', 'timeout=2');
    res.end('x');
  });
  cleanups.push(s.close);
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, s.chain.caPem);
  const r = await runCli(['probe', `https://localhost:${s.port}/p?q=1`, '--ca', ca, '--json', '--resolve', `localhost:${s.port}:127.0.0.1`]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.url, `https://localhost:${s.port}/p?q=1`);
  assert.equal(j.remoteAddress, '127.0.0.1');
  assert.equal(j.requests.length, 4);
  for (const q of j.requests) {
    assert.deepEqual(Object.keys(q.phases).sort(), [...PHASES].sort());
    for (const k of ['index', 'connectionId', 'reused', 'status', 'httpVersion']) assert.ok(k in q, k);
  }
  const [first, second] = j.requests;
  assert.ok(first.phases.dns >= 0, '--resolve still goes through a (pinned) lookup');
  assert.ok(first.phases.tls > 0);
  assert.equal(second.phases.tls, null, 'a reused request has no tls phase: null, not 0');
  assert.equal(second.reused, true);
  assert.equal(j.keepAlive.hintedIdleTimeoutMs, 2000);
  assert.equal(j.keepAlive.measuredIdleTimeoutMs, null, 'not measured → null');
  assert.equal(j.keepAlive.maxRequestsPerConnection, null);
  assert.equal(j.matrix, null);
  for (const k of ['version', 'cipher', 'group', 'alpn', 'chain', 'ocspStapled', 'resumption']) assert.ok(k in j.tls, k);
  assert.deepEqual(Object.keys(j.tls.resumption).sort(), [
    'fullHandshakeMs', 'mechanism', 'resumed', 'resumedHandshakeMs', 'supported', 'ticketLifetimeSec', 'ticketsNotHonoured', 'tls12', 'tls13',
  ]);
  for (const k of ['versions', 'certificate']) assert.ok(k in j.tls, k);
  assert.ok('supported' in j.http2 && 'maxConcurrentStreams' in j.http2);
  assert.ok(Array.isArray(j.findings) && Array.isArray(j.connections));
  assert.ok(j.findings.some((f: { id: string }) => f.id === 'idle-timeout-race'));
  assert.equal(r.stderr, '', 'nothing on stderr without a TTY');
});

test('--fail-on: exit 1 when a finding at that level is present, 0 below it', { timeout: 15_000 }, async () => {
  const s = await httpServer((_q, res) => {
    res.setHeader('Connection', 'close');
    res.end('x');
  });
  cleanups.push(s.close);
  const warn = await runCli(['probe', `${s.origin}/`, '--fail-on', 'warn', '--json']);
  assert.equal(warn.code, 1);
  assert.ok(JSON.parse(warn.stdout).findings.some((f: { id: string }) => f.id === 'server-closes-connection'));
  const error = await runCli(['probe', `${s.origin}/`, '--fail-on', 'error', '--client-idle-timeout', '0']);
  assert.equal(error.code, 0, error.stdout);
});

test('colors: off without a TTY, with --no-color and with NO_COLOR; on with FORCE_COLOR', { timeout: 15_000 }, async () => {
  const s = await httpServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const ESC = '\x1b[';
  const plain = await runCli(['probe', `${s.origin}/`, '-n', '1']);
  assert.ok(!plain.stdout.includes(ESC));
  assert.match(plain.stdout, /Requests \(ms\)/);
  assert.match(plain.stdout, /Keep-alive/);
  assert.match(plain.stdout, /Findings/);
  const forced = await runCli(['probe', `${s.origin}/`, '-n', '1'], { FORCE_COLOR: '1' });
  assert.ok(forced.stdout.includes(ESC));
  const noColorFlag = await runCli(['probe', `${s.origin}/`, '-n', '1', '--no-color'], { FORCE_COLOR: '1' });
  assert.ok(!noColorFlag.stdout.includes(ESC));
  const noColorEnv = await runCli(['probe', `${s.origin}/`, '-n', '1'], { NO_COLOR: '1' }, true);
  assert.ok(!noColorEnv.stdout.includes(ESC));
});

test('secrets never reach the output: URL credentials, Authorization and Cookie', { timeout: 15_000 }, async () => {
  let seenAuth: string | undefined;
  const s = await httpServer((q, res) => {
    seenAuth = q.headers.authorization;
    res.end('x');
  });
  cleanups.push(s.close);
  const url = `http://alice:s3cr3t-pw@127.0.0.1:${s.port}/`;
  for (const extra of [[], ['--json']]) {
    const r = await runCli(['probe', url, '-H', 'Cookie: session=c00kie-value', '-H', 'X-Trace: 1', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    for (const secret of ['s3cr3t-pw', 'c00kie-value', 'alice:']) {
      assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `${secret} leaked`);
    }
  }
  assert.equal(seenAuth, `Basic ${Buffer.from('alice:s3cr3t-pw').toString('base64')}`, 'URL credentials are sent as Basic auth, like curl');
});

test('-X, -d and -H reach the server', { timeout: 15_000 }, async () => {
  const seen: string[] = [];
  const s = await httpServer((q, res) => {
    let body = '';
    q.on('data', (c) => (body += c));
    q.on('end', () => {
      seen.push(`${q.method} ${q.headers['x-probe']} ${body}`);
      res.end('x');
    });
  });
  cleanups.push(s.close);
  const r = await runCli(['probe', `${s.origin}/`, '-X', 'PUT', '-d', 'payload', '-H', 'X-Probe: yes', '-n', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(seen, ['PUT yes payload', 'PUT yes payload']);
});

test('the real binary: --json on stdout only, exit 0, server-side reuse', { timeout: 40_000 }, async () => {
  const s = await httpServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const r = await spawnCli(['probe', `${s.origin}/`, '--json', '-n', '3']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.requests.map((q: { reused: boolean }) => q.reused), [false, true, true]);
  assert.equal(s.connections, 1);
  const human = await spawnCli(['probe', `${s.origin}/`, '-n', '1']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /timeline: /);
});

test('threshold flags reach the rules: --slow-tls 0 and --long-chain-depth 1 fire on any https server', { timeout: 15_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const r = await runCli(['probe', `https://127.0.0.1:${s.port}/`, '--insecure', '-n', '1', '--json', '--slow-tls', '0', '--long-chain-depth', '1']);
  assert.equal(r.code, 0, r.stderr);
  const findings = JSON.parse(r.stdout).findings as { id: string; evidence: Record<string, unknown> }[];
  assert.equal(findings.find((f) => f.id === 'slow-tls')?.evidence.thresholdMs, 0);
  assert.equal(findings.find((f) => f.id === 'long-cert-chain')?.evidence.maxDepth, 1);
});

test('progress goes to stderr only on a TTY and never with --json', { timeout: 15_000 }, async () => {
  const s = await httpServer((_q, res) => res.end('x'));
  cleanups.push(s.close);
  const tty = await runCli(['probe', `${s.origin}/`, '-n', '1'], {}, true);
  assert.match(tty.stderr, /probing: /);
  assert.ok(!tty.stdout.includes('probing: '));
  const json = await runCli(['probe', `${s.origin}/`, '-n', '1', '--json'], {}, true);
  assert.equal(json.stderr, '');
  JSON.parse(json.stdout);
});
