import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { run } from '../../src/cli/program.js';
import { diagnose } from '../../src/diagnose/index.js';
import { Session } from '../../src/model/session.js';
import { checkServer, serverConfigFacts } from '../../src/trace/server/index.js';
import { captureIO } from '../helpers/cli-io.js';

const exec = promisify(execFile);

test('the ALB case: keepAliveTimeout 5000 behind a 60 s idle timeout is an error with the exact fix', () => {
  const server = http.createServer({ keepAliveTimeout: 5000 });
  const findings = checkServer(server, { lbIdleTimeoutMs: 60_000 });
  assert.deepEqual(findings.map((f) => f.id), ['server-keepalive-below-lb']);
  const f = findings[0]!;
  assert.equal(f.severity, 'error');
  assert.equal(f.evidence.keepAliveTimeoutMs, 5000);
  assert.equal(f.evidence.lbIdleTimeoutMs, 60_000);
  assert.match(f.fix.server!, /server\.keepAliveTimeout = 65000; server\.headersTimeout = 66000;/);
  assert.deepEqual(serverConfigFacts(server), { keepAliveTimeoutMs: 5000, headersTimeoutMs: 60_000, requestTimeoutMs: 300_000 });
});

test('equal timeouts count as "not above"; above the balancer is fine; 0 (never closes idle) is fine', () => {
  assert.equal(checkServer({ keepAliveTimeoutMs: 60_000, headersTimeoutMs: 61_000, lbIdleTimeoutMs: 60_000 }).length, 1);
  assert.equal(checkServer({ keepAliveTimeoutMs: 65_000, headersTimeoutMs: 66_000, requestTimeoutMs: 300_000, lbIdleTimeoutMs: 60_000 }).length, 0);
  assert.equal(checkServer({ keepAliveTimeoutMs: 0, lbIdleTimeoutMs: 60_000 }).length, 0);
});

test('headersTimeout not above keepAliveTimeout, and requestTimeout 0, are found', () => {
  const findings = checkServer({ keepAliveTimeoutMs: 65_000, headersTimeoutMs: 60_000, requestTimeoutMs: 0 });
  assert.deepEqual(findings.map((f) => f.id).sort(), ['server-headers-timeout', 'server-request-timeout-missing']);
  const h = findings.find((f) => f.id === 'server-headers-timeout')!;
  assert.equal(h.evidence.suggestedHeadersTimeoutMs, 66_000);
  assert.match(h.fix.server!, /server\.headersTimeout = 66000;/);
  const r = findings.find((f) => f.id === 'server-request-timeout-missing')!;
  assert.equal(r.severity, 'info');
});

test('the rules run from the registry on any session carrying facts.server', () => {
  const s = new Session();
  s.facts.server = { keepAliveTimeoutMs: 5000, headersTimeoutMs: 4000, requestTimeoutMs: 0, lbIdleTimeoutMs: 60_000 };
  const ids = diagnose(s).map((f) => f.id);
  for (const id of ['server-keepalive-below-lb', 'server-headers-timeout', 'server-request-timeout-missing']) assert.ok(ids.includes(id), id);
});

test('check-server CLI: findings, --fail-on exit codes, --json, bad input', async () => {
  let io = captureIO({ NO_COLOR: '1' });
  let code = await run(['check-server', '--keepalive-timeout', '5000', '--headers-timeout', '60000', '--lb-idle-timeout', '60000'], io);
  assert.equal(code, 0, 'findings alone do not fail without --fail-on');
  assert.match(io.out, /ERROR server-keepalive-below-lb/);
  assert.match(io.out, /requestTimeout 300000 ms \(Node default\)/);
  assert.ok(!io.out.includes("\u001b["), "NO_COLOR: no escape codes");

  io = captureIO();
  code = await run(['check-server', '--keepalive-timeout', '5000', '--lb-idle-timeout', '60000', '--fail-on', 'error', '--json'], io);
  assert.equal(code, 1);
  const parsed = JSON.parse(io.out);
  assert.deepEqual(parsed.findings.map((f: { id: string }) => f.id), ['server-keepalive-below-lb']);
  assert.equal(io.err, '');

  io = captureIO();
  code = await run(['check-server', '--keepalive-timeout', '65000', '--headers-timeout', '66000', '--lb-idle-timeout', '60000', '--fail-on', 'info'], io);
  assert.equal(code, 0);
  assert.match(io.out, /no findings/);

  for (const bad of [['--keepalive-timeout', 'soon'], ['--lb-idle-timeout', '-1'], ['--fail-on', 'fatal'], ['--headers-timeout', '90000', '--request-timeout', '60000']]) {
    io = captureIO();
    code = await run(['check-server', ...bad], io);
    assert.equal(code, 2, bad.join(' '));
    assert.equal(io.err.trim().split('\n').length, 1, 'one line');
    assert.match(io.err, /^connscope: /);
  }
});

test('check-server: the real binary', { timeout: 30_000 }, async () => {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'check-server', '--keepalive-timeout', '5000', '--lb-idle-timeout', '60000', '--json', '--fail-on', 'warn'];
  const err = await exec(process.execPath, args, { timeout: 25_000 }).then(() => undefined, (e: { code: number; stdout: string }) => e);
  assert.ok(err, 'exits non-zero');
  assert.equal(err.code, 1);
  assert.equal(JSON.parse(err.stdout).findings[0].id, 'server-keepalive-below-lb');
});
