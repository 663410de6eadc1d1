import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { run } from '../../src/cli/program.js';
import { captureIO, type CapturedIO } from '../helpers/cli-io.js';
import { EXIT } from '../../src/errors.js';

const DIR = 'test/fixtures/pcap';
const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

function captured(env: Record<string, string | undefined> = {}, isTTY = false): CapturedIO {
  return captureIO(env, { isTTY });
}

test('pcap --json: the model records, nothing else on stdout', { timeout: 30_000 }, async () => {
  const io = captured();
  const code = await run(['pcap', `${DIR}/tls13-resume.pcapng`, '--json'], io);
  assert.equal(code, EXIT.ok, io.err);
  const j = JSON.parse(io.out);
  assert.equal(j.connections.length, 3);
  assert.ok(j.connections.every((c: { source: string }) => c.source === 'pcap'));
  assert.deepEqual(j.connections.map((c: { tls: { resumed: boolean } }) => c.tls.resumed), [false, true, true]);
  assert.equal(j.summary.tls.resumptionAttempted, 2);
  assert.equal(j.stats.handshakes.resumed, 2);
  assert.equal(j.facts.tls.resumptionSupported, true);
  assert.ok(Array.isArray(j.findings));
  assert.equal(io.err, '');
});

test('pcap text report: connections, summary, findings; no colors off a TTY; secrets never printed', { timeout: 30_000 }, async () => {
  const io = captured();
  assert.equal(await run(['pcap', `${DIR}/http1-keepalive.pcap`], io), EXIT.ok);
  assert.match(io.out, /Connections \(3: TLS 0, HTTP 3/);
  assert.match(io.out, /server-idle-timeout/);
  assert.match(io.out, /client RST/);
  assert.match(io.out, /Findings/);
  assert.doesNotMatch(io.out, ANSI);
  const json = captured();
  await run(['pcap', `${DIR}/http1-keepalive.pcap`, '--json'], json);
  // the fixture's requests carry `Authorization: Bearer secret-token`
  assert.doesNotMatch(io.out + json.out, /secret-token/);
  const j = JSON.parse(json.out);
  assert.deepEqual(j.requests.map((r: { path: string }) => r.path), ['/1', '/2', '/3', '/close', '/reset']);
  assert.equal(j.facts.measuredIdleTimeoutMs > 1000, true);
});

test('colors on a TTY unless NO_COLOR or --no-color', { timeout: 30_000 }, async () => {
  const tty = captured({}, true);
  await run(['pcap', `${DIR}/tls12-resume.pcap`], tty);
  assert.match(tty.out, ANSI);
  const noColor = captured({ NO_COLOR: '1' }, true);
  await run(['pcap', `${DIR}/tls12-resume.pcap`], noColor);
  assert.doesNotMatch(noColor.out, ANSI);
  const flag = captured({}, true);
  await run(['pcap', `${DIR}/tls12-resume.pcap`, '--no-color'], flag);
  assert.doesNotMatch(flag.out, ANSI);
});

test('--port/--host filters and --fail-on', { timeout: 30_000 }, async () => {
  const io = captured();
  await run(['pcap', `${DIR}/tls12-resume.pcap`, '--json', '--port', '1'], io);
  assert.equal(JSON.parse(io.out).connections.length, 0);
  const warn = captured();
  assert.equal(await run(['pcap', `${DIR}/tls12-resume.pcap`, '--fail-on', 'warn'], warn), EXIT.findings, 'server-closes-connection is a warning');
  const error = captured();
  assert.equal(await run(['pcap', `${DIR}/tls12-resume.pcap`, '--fail-on', 'error'], error), EXIT.ok);
});

test('bad input: one line and exit 2', { timeout: 30_000 }, async () => {
  for (const argv of [
    ['pcap', '/nonexistent.pcap'],
    ['pcap', 'package.json'],
    ['pcap', `${DIR}/tls12-resume.pcap`, '--port', '70000'],
    ['pcap', `${DIR}/tls12-resume.pcap`, '--fail-on', 'sometimes'],
    ['pcap', 'test/fixtures'],
  ]) {
    const io = captured();
    assert.equal(await run(argv, io), EXIT.usage, argv.join(' '));
    assert.equal(io.out, '');
    assert.equal(io.err.trim().split('\n').length, 1, io.err);
    assert.match(io.err, /^connscope: /);
  }
  const io = captured();
  await run(['pcap', 'package.json'], io);
  assert.match(io.err, /not a pcap or pcapng file \(magic 0x7b0a2020\) at byte offset 0/);
});

test('the real binary', { timeout: 30_000 }, async () => {
  const spawn = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { timeout: 25_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  const [ok, bad] = await Promise.all([spawn(['pcap', `${DIR}/tls13-hrr-ns.pcap`, '--json']), spawn(['pcap', `${DIR}/../pcap`])]);
  assert.equal(ok.code, 0, ok.stderr);
  const j = JSON.parse(ok.stdout);
  assert.equal(j.connections[0].pcap.tls.helloRetry, true);
  assert.equal(j.connections[0].tls.group, 'P-384');
  assert.equal(bad.code, EXIT.usage);
  assert.match(bad.stderr, /^connscope: .*is a directory \(.*\)\n$/);
});
