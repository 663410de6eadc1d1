import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/program.js';
import { captureIO, type CapturedIO } from '../helpers/cli-io.js';
import { listScenarios, runScenario } from '../../src/lab/runner.js';
import { measure } from '../../src/lab/measure.js';
import { okHandler, startHttpServer } from '../../src/lab/servers.js';
import type { Scenario } from '../../src/lab/scenario.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

function captured(env: Record<string, string | undefined> = {}, isTTY = false): CapturedIO {
  return captureIO(env, { isTTY });
}

test('`lab` lists every scenario with its expected finding', async () => {
  const io = captured({ NO_COLOR: '1' });
  assert.equal(await run(['lab'], io), 0);
  for (const s of listScenarios()) assert.match(io.out, new RegExp(`${s.name}\\s.*→ ${s.expected}`));
  assert.ok(listScenarios().length >= 14);
  const json = captured();
  assert.equal(await run(['lab', '--json'], json), 0);
  assert.equal(JSON.parse(json.out).scenarios.length, listScenarios().length);
});

test('bad input: one line on stderr and exit 2, nothing run', async () => {
  for (const argv of [['lab', 'no-such-scenario'], ['lab', '--all', 'connection-close'], ['lab', 'connection-close', '--deadline', 'soon']]) {
    const io = captured();
    assert.equal(await run(argv, io), 2, argv.join(' '));
    assert.equal(io.err.trim().split('\n').length, 1, io.err);
    assert.equal(io.out, '');
  }
});

test('`lab <name> --json`: only JSON on stdout, with before/after records, findings and the verdict', { timeout: 30_000 }, async () => {
  const io = captured({}, true);
  assert.equal(await run(['lab', 'connection-close', '--json'], io), 0);
  assert.equal(io.err, '', 'no progress output with --json, even on a TTY');
  const out = JSON.parse(io.out);
  assert.equal(out.passed, 1);
  const s = out.scenarios[0];
  assert.equal(s.name, 'connection-close');
  assert.ok(s.before.findings.some((f: { id: string }) => f.id === 'server-closes-connection'));
  assert.equal(s.before.requests.length, 10);
  assert.equal(s.before.connections.length, 10);
  assert.equal(s.after.metrics.serverConnections, 1);
});

test('terminal report: no colors with NO_COLOR, colors with FORCE_COLOR, verdict marks', { timeout: 30_000 }, async () => {
  const plain = captured({ NO_COLOR: '1' }, true);
  assert.equal(await run(['lab', 'no-keepalive'], plain), 0);
  assert.doesNotMatch(plain.out, ANSI);
  assert.match(plain.out, /before .*\n.*server connections 10/);
  assert.match(plain.out, /keepalive-disabled/);
  assert.match(plain.out, /✓ keepalive-disabled reported before {2}✓ gone after {2}✓ server connections lower +PASS/);
  const colored = captured({ FORCE_COLOR: '1' });
  assert.equal(await run(['lab', 'no-keepalive', '--json'], colored), 0);
  assert.doesNotMatch(colored.out, ANSI, 'JSON is never colored');
  const forced = captured({ FORCE_COLOR: '1' });
  assert.equal(await run(['lab', 'connection-close'], forced), 0);
  assert.match(forced.out, ANSI);
  const flag = captured({ FORCE_COLOR: '1' });
  assert.equal(await run(['lab', 'connection-close', '--no-color'], flag), 0);
  assert.doesNotMatch(flag.out, ANSI);
});

test('a scenario whose fix changes nothing fails its verdict (exit 1 path)', { timeout: 30_000 }, async () => {
  // the same server both times: the finding cannot disappear and the metric cannot improve
  const unchanged: Scenario = {
    name: 'unchanged', title: 't', reproduces: 'r', expected: 'server-closes-connection', beforeConfig: 'b', afterConfig: 'a',
    metric: { key: 'serverConnections', better: 'lower' },
    async run(_variant, ctx) {
      const server = await startHttpServer(okHandler(), { closeEachResponse: true });
      try {
        return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs }, async ({ signal }) => {
          for (let i = 0; i < 3; i++) await (await fetch(server.origin, { signal })).text();
        });
      } finally {
        await server.close();
      }
    },
  };
  const r = await runScenario(unchanged);
  assert.equal(r.expectedAppeared, true);
  assert.equal(r.expectedGone, false);
  assert.equal(r.improved, false);
  assert.equal(r.passed, false);
});

test('a workload that ignores its deadline fails the scenario with one line, not a hang', { timeout: 30_000 }, async () => {
  const stuck: Scenario = {
    name: 'stuck', title: 't', reproduces: 'r', expected: 'idle-blackhole', beforeConfig: 'b', afterConfig: 'a',
    metric: { key: 'failures', better: 'lower' },
    run: (_variant, ctx) => measure({ origins: [], servers: [], deadlineMs: ctx.deadlineMs }, () => new Promise(() => undefined)),
  };
  const started = performance.now();
  const r = await runScenario(stuck, { deadlineMs: 1000 });
  assert.ok(performance.now() - started < 10_000);
  assert.match(r.error ?? '', /did not stop/);
  assert.equal(r.passed, false);
});

test('the real binary: `connscope lab pipelining-close --json` exits 0; an unknown name exits 2', { timeout: 60_000 }, async () => {
  const spawnCli = (args: string[]): Promise<{ code: number | null; out: string; err: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });
  const ok = await spawnCli(['lab', 'pipelining-close', '--json']);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).scenarios[0].passed, true);
  const bad = await spawnCli(['lab', 'bogus']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^connscope: unknown lab scenario 'bogus'/);
  assert.doesNotMatch(bad.err, /\n\s+at /, 'no stack trace');
});

test('the --all summary has a row per scenario with its verdict and the metric moved', async () => {
  const { renderSummary } = await import('../../src/lab/render.js');
  const metrics = (failures: number) => ({ failures }) as never;
  const base = { title: 't', reproduces: 'r', beforeConfig: 'b', afterConfig: 'a', durationMs: 1000, metric: { key: 'failures' as const, better: 'lower' as const } };
  const rec = (failures: number) => ({ metrics: metrics(failures), findings: [], facts: {}, stats: {} as never, connections: [], requests: [] });
  const out = renderSummary(
    [
      { ...base, name: 'good-one', expected: 'idle-blackhole', before: rec(3), after: rec(0), expectedAppeared: true, expectedGone: true, improved: true, passed: true },
      { ...base, name: 'bad-one', expected: 'h2-goaway', before: rec(1), after: rec(1), expectedAppeared: true, expectedGone: false, improved: false, passed: false },
    ],
    false,
  );
  assert.match(out, /good-one .*idle-blackhole .*✓ found .*✓ gone .*✓ failures 3 → 0 .*PASS/);
  assert.match(out, /bad-one .*h2-goaway .*✓ found .*✗ gone .*✗ failures 1 → 1 .*FAIL/);
  assert.match(out, /1\/2 scenarios behaved as expected/);
});
