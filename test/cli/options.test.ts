import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOptions as resolveBench } from '../../src/bench/options.js';
import { probeOptionsFrom } from '../../src/cli/probe.js';
import { OptionError } from '../../src/errors.js';
import { resolveOptions as resolveProbe } from '../../src/probe/options.js';
import { captureIO } from '../helpers/cli-io.js';
import { httpServer, httpsServer, testChain } from '../helpers/servers.js';
import { runCli, spawnCli } from '../probe/helpers.js';

// One option grammar: a flag means the same thing, takes the same values and fails with the same words in
// every subcommand; the library names its option keys and the CLI turns them into the flags the user typed.

const dir = mkdtempSync(join(tmpdir(), 'connscope-options-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
  rmSync(dir, { recursive: true, force: true });
});

let plainRequests = 0;
const plain = await httpServer((_req, res) => {
  plainRequests++;
  res.end('ok');
});
cleanups.push(plain.close);

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.doesNotMatch(stderr, /^\s+at /m);
  return lines[0]!;
}

test('probe --timeout 5m and --connect-timeout 2m are accepted (the duration grammar bench always took)', { timeout: 20_000 }, async () => {
  const { options } = probeOptionsFrom(`${plain.origin}/`, { header: [], resolve: [], timeout: '5m', connectTimeout: '2m' }, captureIO());
  assert.equal(options.timeoutMs, 300_000);
  assert.equal(options.connectTimeoutMs, 120_000);
  const before = plainRequests;
  const r = await runCli(['probe', `${plain.origin}/`, '--timeout', '5m', '--connect-timeout', '2m', '-n', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).requests.length, 2);
  assert.equal(plainRequests - before, 2, 'the server saw the two requests');
});

test('-k/--insecure is accepted by bench as by probe: an untrusted certificate gets through, with the warning', { timeout: 30_000 }, async () => {
  let seen = 0;
  const tls = await httpsServer((_req, res) => {
    seen++;
    res.end('ok');
  });
  cleanups.push(tls.close);
  const bench = await runCli(['bench', `${tls.origin}/`, '-k', '-n', '4', '-c', '1', '--json']);
  assert.equal(bench.code, 0, bench.stderr);
  assert.equal(JSON.parse(bench.stdout).stats.requests, 4);
  assert.match(bench.stderr, /--insecure/);
  const probe = await runCli(['probe', `${tls.origin}/`, '-k', '-n', '1', '--json']);
  assert.equal(probe.code, 0, probe.stderr);
  assert.match(probe.stderr, /--insecure/);
  assert.ok(seen >= 5, `server saw ${seen} requests`);
  // the negative: without -k the same server is refused (exit 3) and no request is sent
  const before = seen;
  assert.equal((await runCli(['bench', `${tls.origin}/`, '-n', '4'])).code, 3);
  assert.equal(seen, before);
});

test('the same bad value gets the same line in every subcommand that takes the flag', { timeout: 20_000 }, async () => {
  const http = `${plain.origin}/`;
  const ca = join(dir, 'missing.pem');
  const cases: Array<{ line: string; runs: string[][] }> = [
    {
      line: "connscope: invalid --fail-on 'panic' (expected one of info, warn, error)",
      runs: [['probe', http, '--fail-on', 'panic'], ['bench', http, '--fail-on', 'panic'], ['check-server', '--fail-on', 'panic'], ['pcap', join(dir, 'none.pcap'), '--fail-on', 'panic']],
    },
    {
      line: "connscope: invalid --timeout 'soon' (expected a duration such as 500ms, 2s, 5m, 1h, or a bare number of seconds, from 1ms to 1h)",
      runs: [['probe', http, '--timeout', 'soon'], ['bench', http, '--timeout', 'soon']],
    },
    {
      line: "connscope: invalid --timeout '2h' (expected a duration such as 500ms, 2s, 5m, 1h, or a bare number of seconds, from 1ms to 1h)",
      runs: [['probe', http, '--timeout', '2h'], ['bench', http, '--timeout', '2h']],
    },
    {
      line: "connscope: invalid --connect-timeout '0' (expected a duration such as 500ms, 2s, 5m, 1h, or a bare number of seconds, from 1ms to 1h)",
      runs: [['probe', http, '--connect-timeout', '0'], ['bench', http, '--connect-timeout', '0']],
    },
    {
      line: `connscope: cannot read --ca file '${ca}' (ENOENT)`,
      runs: [['probe', 'https://127.0.0.1:1/', '--ca', ca], ['bench', 'https://127.0.0.1:1/', '--ca', ca], ['check-server', '--url', 'https://127.0.0.1:1/', '--ca', ca]],
    },
    {
      line: "connscope: invalid --requests '1.5' (expected an integer from 1 to 1000)",
      runs: [['probe', http, '-n', '1.5']],
    },
  ];
  const before = plainRequests;
  for (const { line, runs } of cases) {
    for (const argv of runs) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(oneLine(r.stderr), line, argv.join(' '));
    }
  }
  assert.equal(plainRequests, before, 'no traffic for a usage error');
});

test('durations take the one grammar wherever a duration is asked for', { timeout: 20_000 }, async () => {
  // bench, sockets --watch and run's --report-interval name their flag and the one grammar when refusing
  for (const argv of [['bench', `${plain.origin}/`, '-d', 'forever'], ['bench', `${plain.origin}/`, '--warmup', '1 minute'], ['sockets', '--watch', 'often'], ['check-server', '--url', `${plain.origin}/`, '--idle-max', '2d']]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(oneLine(r.stderr), /^connscope: invalid (--\S+) '[^']+' \(expected a duration such as 500ms, 2s, 5m, 1h, or a bare number of seconds/, argv.join(' '));
  }
  // and accept minutes: a 0.01m (600 ms) bench runs and ends
  const r = await runCli(['bench', `${plain.origin}/`, '-d', '0.01m', '-c', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).settings.durationMs, 600);
});

test('library errors name option keys; the CLI shows the flag and the text the user typed', { timeout: 20_000 }, async () => {
  for (const [check, key] of [
    [() => resolveBench({ url: 'http://127.0.0.1:1/', durationMs: 4_000_000 }), 'durationMs'],
    [() => resolveBench({ url: 'http://127.0.0.1:1/', concurrency: 0 }), 'concurrency'],
    [() => resolveBench({ url: 'http://127.0.0.1:1/', client: 'raw', discardBody: true }), 'discardBody'],
    [() => resolveProbe({ requests: 0 }), 'requests'],
    [() => resolveProbe({ timeoutMs: -1 }), 'timeoutMs'],
    [() => resolveProbe({ method: 'G E' }), 'method'],
  ] as const) {
    assert.throws(check, (e: unknown) => e instanceof OptionError && e.option === key && e.message.startsWith(`invalid ${key} '`) && !e.message.includes('--'), key);
  }
  const discard = await runCli(['bench', `${plain.origin}/`, '--client', 'raw', '--discard-body']);
  assert.equal(discard.code, 2);
  assert.equal(oneLine(discard.stderr), "connscope: invalid --discard-body 'true' (expected off with the raw client, which always reads bodies)");
  const method = await runCli(['probe', `${plain.origin}/`, '-X', 'G E']);
  assert.equal(method.code, 2);
  assert.equal(oneLine(method.stderr), "connscope: invalid --request 'G E' (expected an HTTP method (letters only))");
});

test('--ca replaces the trust store in bench and probe, like curl --cacert: NODE_EXTRA_CA_CERTS no longer counts', { timeout: 90_000 }, async () => {
  const [chainA, chainB] = await Promise.all([testChain({}), testChain({})]);
  let seen = 0;
  const tls = await httpsServer((_req, res) => {
    seen++;
    res.end('ok');
  }, {}, chainA);
  cleanups.push(tls.close);
  const caA = join(dir, 'ca-a.pem');
  const caB = join(dir, 'ca-b.pem');
  writeFileSync(caA, chainA.caPem);
  writeFileSync(caB, chainB.caPem);
  const env = { NODE_EXTRA_CA_CERTS: caA };
  const url = `https://localhost:${tls.port}/`;
  for (const cmd of [['bench', url, '-n', '2', '-c', '1'], ['probe', url, '-n', '1']]) {
    // control: the extra CA of the environment is trusted when no --ca is given
    const trusted = await spawnCli(cmd, env, 30_000);
    assert.equal(trusted.code, 0, `${cmd[0]} with NODE_EXTRA_CA_CERTS: ${trusted.stderr}`);
    // --ca of another CA replaces the whole store: the environment's CA no longer verifies the server
    const before = seen;
    const other = await spawnCli([...cmd, '--ca', caB], env, 30_000);
    assert.equal(other.code, 3, `${cmd[0]} --ca other: ${other.stderr}`);
    assert.match(other.stderr, /not trusted|--ca/);
    assert.equal(seen, before, `${cmd[0]}: no request reached the server`);
    // and --ca of the issuing CA verifies it
    const own = await spawnCli([...cmd, '--ca', caA], {}, 30_000);
    assert.equal(own.code, 0, `${cmd[0]} --ca own: ${own.stderr}`);
  }
});
