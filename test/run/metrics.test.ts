import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runProcess } from '../helpers/process.js';
import { listen, type Served } from '../helpers/servers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/cli/main.cjs');
const REGISTER = join(ROOT, 'dist/run/register.js');
const APP = join(ROOT, 'test/fixtures/run/app.mjs');
const OTEL_APP = join(ROOT, 'test/fixtures/run/otel-app.mjs');

interface Point {
  attributes: Record<string, string | number>;
  value: number | { count: number; sum: number };
}
interface Exported {
  name: string;
  unit: string;
  points: Point[];
}

const count = (p: Point): number => (typeof p.value === 'number' ? p.value : p.value.count);
/** Sum over the points whose attributes include `match`. */
function total(metrics: Exported[], name: string, match: Record<string, string | number> = {}): number {
  const m = metrics.find((x) => x.name === name);
  if (!m) return 0;
  return m.points.filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v)).reduce((s, p) => s + count(p), 0);
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function getText(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
}

describe('connscope run: metrics', () => {
  let server: Served<http.Server>;
  let dir: string;
  before(async () => {
    assert.ok(existsSync(BIN) && existsSync(REGISTER), 'dist is built (npm test builds before it tests)');
    server = await listen(
      http.createServer((_req, res) => res.end('ok')),
      'http',
    );
    dir = mkdtempSync(join(tmpdir(), 'connscope-metrics-test-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("an app's own OpenTelemetry SDK, registered after connscope: the semconv metrics with the server's counts", async () => {
    const before = server.connections;
    const json = join(dir, 'otel.json');
    // the full level: the phase metrics below come from traced requests (production traces a sample;
    // the request counts and durations are exact at every level, test/run/production.test.ts)
    const r = await runProcess([process.execPath, '--import', REGISTER, OTEL_APP], { TARGET: server.origin, CONNSCOPE_REPORT: 'off', CONNSCOPE_JSON: json, CONNSCOPE_SAMPLE_RATE: '1' });
    assert.equal(r.code, 0, r.err);
    const line = r.out.split('\n').find((l) => l.startsWith('metrics '));
    assert.ok(line, r.out);
    const { ownPort, metrics } = JSON.parse(line.slice('metrics '.length)) as { ownPort: number; metrics: Exported[] };
    const connections = server.connections - before;
    assert.equal(connections, 5, 'the fixture opens five connections to the server');
    const peer = { 'server.address': '127.0.0.1', 'server.port': server.port, 'url.scheme': 'http' };

    const duration = metrics.find((m) => m.name === 'http.client.request.duration')!;
    assert.equal(duration.unit, 's');
    const toServer = duration.points.filter((p) => p.attributes['server.port'] === server.port);
    assert.deepEqual(toServer.map((p) => p.attributes), [{ ...peer, 'http.request.method': 'GET', 'network.protocol.version': '1.1', 'http.response.status_code': 200 }]);
    assert.equal(total(metrics, 'http.client.request.duration', peer), 9);
    assert.equal(total(metrics, 'connscope.http.client.connections', peer), connections);
    assert.equal(total(metrics, 'connscope.http.client.requests', { ...peer, 'connscope.connection.reused': 'false' }), connections);
    assert.equal(total(metrics, 'connscope.http.client.requests', { ...peer, 'connscope.connection.reused': 'true' }), 9 - connections);
    assert.equal(total(metrics, 'connscope.http.client.phase.duration', { ...peer, 'connscope.phase': 'connect' }), connections);
    assert.equal(total(metrics, 'connscope.http.client.phase.duration', { ...peer, 'connscope.phase': 'wait' }), 9);
    assert.equal(total(metrics, 'connscope.http.client.phase.duration', { ...peer, 'connscope.phase': 'tls' }), 0, 'plain http has no TLS phase');
    // the keep-alive agent was destroyed (its connection closed); undici's and fetch's stay idle
    assert.equal(total(metrics, 'http.client.active_requests', peer), 0);
    assert.equal(total(metrics, 'http.client.open_connections', { ...peer, 'http.connection.state': 'active' }), 0);
    const idle = total(metrics, 'http.client.open_connections', { ...peer, 'http.connection.state': 'idle' });
    assert.equal(total(metrics, 'http.client.connection.duration', peer), connections - idle, 'every connection is either closed (a duration) or still open');

    // the app's own server: two requests on one connection, the 503 is an error on both sides
    assert.equal(total(metrics, 'http.server.request.duration', { 'url.scheme': 'http', 'http.response.status_code': 200 }), 1);
    assert.equal(total(metrics, 'http.server.request.duration', { 'http.response.status_code': 503, 'error.type': '503' }), 1);
    assert.equal(total(metrics, 'connscope.http.server.connections'), 1);
    assert.equal(total(metrics, 'connscope.http.server.requests', { 'connscope.connection.reused': 'true' }), 1);
    assert.equal(total(metrics, 'http.client.request.duration', { 'server.port': ownPort, 'error.type': '503' }), 1);
    assert.equal(total(metrics, 'http.server.active_requests'), 0);

    // findings: the one diagnosis, so the gauge agrees with the report; keep-alive is used here
    const report = JSON.parse(readFileSync(json, 'utf8')) as { findings: { id: string }[] };
    const held = metrics.find((m) => m.name === 'connscope.findings')?.points.filter((p) => p.value === 1).map((p) => p.attributes['connscope.finding.id']) ?? [];
    assert.ok(!held.includes('keepalive-disabled'), 'healthy control: no keepalive-disabled');
    assert.deepEqual(held.sort(), report.findings.map((f) => f.id).sort());
  });

  test('connscope.findings carries what the diagnosis finds (keep-alive off)', async () => {
    const json = join(dir, 'only-new.json');
    const r = await runProcess([process.execPath, '--import', REGISTER, OTEL_APP], { TARGET: server.origin, ONLY_NEW: '1', CONNSCOPE_REPORT: 'off', CONNSCOPE_JSON: json });
    assert.equal(r.code, 0, r.err);
    const { metrics } = JSON.parse(r.out.split('\n').find((l) => l.startsWith('metrics '))!.slice('metrics '.length)) as { metrics: Exported[] };
    const findings = metrics.find((m) => m.name === 'connscope.findings')!;
    const point = findings.points.find((p) => p.attributes['connscope.finding.id'] === 'keepalive-disabled');
    assert.deepEqual(point, { attributes: { 'connscope.finding.id': 'keepalive-disabled', 'connscope.finding.severity': 'warn' }, value: 1 });
    const report = JSON.parse(readFileSync(json, 'utf8')) as { findings: { id: string }[] };
    assert.ok(report.findings.some((f) => f.id === 'keepalive-disabled'));
  });

  test('--otlp: a local OTLP/HTTP receiver gets the metrics (JSON), with the resource of the process', async () => {
    const bodies: any[] = [];
    const receiver = await listen(
      http.createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d));
        req.on('end', () => {
          if (req.url === '/v1/metrics' && String(req.headers['content-type']).startsWith('application/json')) bodies.push(JSON.parse(body));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      }),
      'http',
    );
    try {
      const before = server.connections;
      const r = await runProcess([process.execPath, BIN, 'run', '--report', 'off', '--otlp', receiver.origin, '--', process.execPath, APP], { TARGET: server.origin });
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      assert.ok(bodies.length >= 1, 'the final export at exit arrived');
      const last = bodies.at(-1);
      const rm = last.resourceMetrics[0];
      const resource = Object.fromEntries(rm.resource.attributes.map((a: any) => [a.key, Object.values(a.value)[0]]));
      assert.equal(typeof resource['service.instance.id'], 'string');
      assert.ok(Number(resource['process.pid']) > 0);
      const scope = rm.scopeMetrics.find((s: any) => s.scope.name === 'connscope');
      const byName = new Map<string, any>(scope.metrics.map((m: any) => [m.name, m]));
      for (const name of ['http.client.request.duration', 'http.client.connection.duration', 'http.client.open_connections', 'connscope.http.client.requests', 'connscope.http.client.connections', 'connscope.http.client.phase.duration']) {
        assert.ok(byName.has(name), `${name} exported (got ${[...byName.keys()].join(', ')})`);
      }
      const attrs = (p: any): Record<string, unknown> => Object.fromEntries(p.attributes.map((a: any) => [a.key, Object.values(a.value)[0]]));
      const toServer = (p: any): boolean => Number(attrs(p)['server.port']) === server.port;
      const requests = byName.get('http.client.request.duration').histogram.dataPoints.filter(toServer).reduce((s: number, p: any) => s + Number(p.count), 0);
      assert.equal(requests, 9);
      const opened = byName.get('connscope.http.client.connections').sum.dataPoints.filter(toServer).reduce((s: number, p: any) => s + Number(p.asInt ?? p.asDouble), 0);
      assert.equal(opened, server.connections - before);
    } finally {
      await receiver.close();
    }
  });

  test('a bad --otlp is exit 2 before anything starts, one line, no credentials in it', async () => {
    const r = await runProcess([process.execPath, BIN, 'run', '--otlp', 'ftp://user:hunter2@127.0.0.1/x', '--', process.execPath, APP], { TARGET: server.origin });
    assert.equal(r.code, 2);
    assert.equal(r.out, '', 'the app did not start');
    assert.match(r.err, /--otlp/);
    assert.ok(!r.err.includes('hunter2'), r.err);
  });

  test('--otlp to an address where nothing listens: the app runs and exits as it would', async () => {
    const port = await freePort();
    const r = await runProcess([process.execPath, BIN, 'run', '--report', 'off', '--otlp', `http://127.0.0.1:${port}/v1/metrics`, '--', process.execPath, APP], { TARGET: server.origin, APP_EXIT: '3' });
    assert.equal(r.code, 3, r.err);
    assert.match(r.out, /requests done/);
  });

  test('--metrics-port: promtool accepts /metrics, a real Prometheus scrapes it and PromQL returns the connection count', async (t) => {
    const promtool = spawnSync('promtool', ['--version']);
    const prometheus = spawnSync('prometheus', ['--version']);
    if (promtool.error || prometheus.error) {
      t.skip('promtool / prometheus not installed (Debian package prometheus)');
      return;
    }
    const metricsPort = await freePort();
    const promPort = await freePort();
    const before = server.connections;
    let promProc: ReturnType<typeof spawn> | undefined;
    const checks: (() => Promise<void>)[] = [];
    const r = await runProcess([process.execPath, BIN, 'run', '--report', 'off', '--metrics-port', String(metricsPort), '--', process.execPath, APP], { TARGET: server.origin, MODE: 'wait' }, {
      when: 'requests done',
      then: async (child) => {
        try {
          const text = (await getText(`http://127.0.0.1:${metricsPort}/metrics`)).body;
          checks.push(async () => {
            const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
            assert.equal(lint.status, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`);
            assert.match(text, /^process_cpu_user_seconds_total /m, 'process metrics are there');
            assert.match(text, /^nodejs_eventloop_lag_seconds /m);
          });
          assert.equal((await getText(`http://127.0.0.1:${metricsPort}/other`)).status, 404);

          // a second app asking for the same port: one line on stderr, and it runs
          const second = await runProcess([process.execPath, BIN, 'run', '--report', 'off', '--metrics-port', String(metricsPort), '--', process.execPath, APP], { TARGET: server.origin });
          checks.push(async () => {
            assert.equal(second.code, 0);
            assert.match(second.out, /requests done/);
            assert.equal(second.err.trim().split('\n').length, 1, second.err);
            assert.match(second.err, new RegExp(`^connscope: no /metrics on 127\\.0\\.0\\.1:${metricsPort}: EADDRINUSE`));
          });
          const appConnections = server.connections - before - (second.code === 0 ? 5 : 0);

          const cfgDir = mkdtempSync(join(dir, 'prom-'));
          const config = join(cfgDir, 'prometheus.yml');
          writeFileSync(config, `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n`);
          promProc = spawn('prometheus', [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${promPort}`, `--storage.tsdb.path=${join(cfgDir, 'data')}`], { stdio: 'ignore' });
          const query = `sum(connscope_http_client_connections_total{server_port="${server.port}"})`;
          let value: number | undefined;
          const deadline = Date.now() + 30_000;
          while (value === undefined && Date.now() < deadline) {
            await sleep(500);
            try {
              const res = JSON.parse((await getText(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(query)}`)).body);
              const v = res.data?.result?.[0]?.value?.[1];
              if (v !== undefined) value = Number(v);
            } catch {
              // Prometheus still starting
            }
          }
          // scrapes of /metrics are not counted as the app's server requests
          const scrapes = JSON.parse((await getText(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('connscope_http_server_connections_total')}`)).body);
          checks.push(async () => {
            assert.equal(value, appConnections, `PromQL ${query}`);
            assert.equal(appConnections, 5);
            assert.equal(Number(scrapes.data.result[0].value[1]), 0, 'the scrapes are not traced as the app\'s requests');
          });
        } finally {
          promProc?.kill('SIGTERM');
          child.stdin!.end();
        }
      },
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /app done/, 'the /metrics server did not keep the app alive once it was done');
    for (const check of checks) await check();
  });

  test('--metrics-port with child processes: only the root serves /metrics, the children say nothing', async () => {
    const metricsPort = await freePort();
    const r = await runProcess([process.execPath, BIN, 'run', '--report', 'off', '--metrics-port', String(metricsPort), '--', process.execPath, APP], { TARGET: server.origin, MODE: 'child' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /child pid \d+/);
    assert.equal(r.err, '', 'no EADDRINUSE from the child');
  });
});
