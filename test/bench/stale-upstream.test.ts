import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Agent, request } from 'undici';
import { bench } from '../../src/bench/run.js';
import { diagnose } from '../../src/diagnose/index.js';
import { Session } from '../../src/model/session.js';
import { measureBackendIdle } from '../../src/probe/backend-idle.js';
import { instrument } from '../../src/trace/index.js';
import { hasNginx } from '../probe/nginx-server.js';
import { httpServer } from '../helpers/servers.js';
import { startStaleUpstream, type StaleUpstreamTopology } from '../helpers/stale-upstream.js';

// Issue 12 item 5, the ALB-502 case with a real nginx: POSTs through nginx (upstream keepalive,
// keepalive_timeout 60s) → a relay delaying DELAY_MS each way → a Node backend with keepAliveTimeout
// 1000 ms. A request nginx sends on its cached upstream connection just as the backend closes it is
// lost (nginx does not retry a POST) and the client gets 502. The backend's own request count is the
// ground truth: a 502 is a request it never answered.

const DELAY_MS = 40;
const ids = (fs: { id: string }[]): string[] => fs.map((f) => f.id);
const skip = hasNginx ? false : 'nginx not installed';

const topologies: StaleUpstreamTopology[] = [];
after(async () => {
  for (const t of topologies) await t.close();
});

/**
 * The bench interval that puts each request inside the race window. The backend's real idle close
 * is measured first (probe's idle-timeout logic): a request that leaves nginx less than DELAY_MS
 * before the backend's FIN arrives reaches the backend after it closed; bench's latency is about
 * 2 × DELAY_MS, so an interval of close + DELAY_MS lands mid-window.
 */
async function raceInterval(t: StaleUpstreamTopology): Promise<{ closeMs: number; intervalMs: number }> {
  const m = await measureBackendIdle(`${t.backend.origin}/`, { maxMs: 10_000 });
  assert.ok(m.idleTimeoutMs !== null && m.idleTimeoutMs >= 900 && m.idleTimeoutMs < 4000, `backend idle close ${m.idleTimeoutMs}`);
  return { closeMs: m.idleTimeoutMs, intervalMs: m.idleTimeoutMs + DELAY_MS };
}

let broken: StaleUpstreamTopology | undefined;
let race: { closeMs: number; intervalMs: number } | undefined;

test('bench CLI through nginx to a backend with keepAliveTimeout 1000 ms: 502s after idle gaps → stale-upstream-5xx and server-errors, --fail-on warn exits 1', { skip, timeout: 90_000 }, async () => {
  broken = await startStaleUpstream({ backendKeepAliveTimeoutMs: 1000, delayMs: DELAY_MS });
  topologies.push(broken);
  race = await raceInterval(broken);
  const rate = (1000 / race.intervalMs).toFixed(4);
  const answeredBefore = broken.answered;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', broken.url, '-c', '1', '--rate', rate, '-n', '12', '-d', '60s', '-X', 'POST', '--data', 'hi', '--json', '--fail-on', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const report = JSON.parse(out) as { stats: { statusCodes: Record<string, number>; errors: number; requests: number }; findings: Array<{ id: string; evidence: Record<string, unknown>; fix: { summary: string; server?: string } }> };
  const codes = report.stats.statusCodes;
  const bad = (codes['502'] ?? 0) + (codes['503'] ?? 0) + (codes['504'] ?? 0);
  assert.equal(code, 1, `exit code; stderr: ${err}`);
  assert.equal(report.stats.errors, 0);
  assert.ok(bad >= 2, `gateway errors ${JSON.stringify(codes)} at interval ${race.intervalMs} ms`);
  assert.ok((codes['200'] ?? 0) >= 2, JSON.stringify(codes));
  // ground truth: every 200 was answered by the backend; the 502s never reached it
  assert.equal(broken.answered - answeredBefore, codes['200'], `backend answered ${broken.answered - answeredBefore}`);
  assert.match(broken.nginx.errorLog(), /upstream prematurely closed connection|Connection reset by peer/);
  assert.deepEqual(ids(report.findings).filter((id) => id === 'stale-upstream-5xx' || id === 'server-errors').sort(), ['server-errors', 'stale-upstream-5xx']);
  const f = report.findings.find((x) => x.id === 'stale-upstream-5xx')!;
  assert.equal(f.evidence.gatewayErrors, bad);
  assert.equal(f.evidence.statuses, `502×${codes['502']}`);
  assert.ok((f.evidence.idleBefore5xxMinMs as number) >= race.closeMs / 2, `idle before the 5xx ${f.evidence.idleBefore5xxMinMs}`);
  assert.match(f.fix.server!, /server\.keepAliveTimeout = 65000; server\.headersTimeout = 66000/);
  assert.match(f.fix.server!, /keepalive_timeout \d+s/);
  assert.match(f.fix.server!, /ALB/);
  const s = report.findings.find((x) => x.id === 'server-errors')!;
  assert.equal(s.evidence.serverErrors, bad);
  assert.equal(s.evidence.countedOver, 'every response');
});

test('library: diagnose() on a tracer Session of undici POSTs through the same nginx → stale-upstream-5xx; short gaps succeed', { skip, timeout: 90_000 }, async (t) => {
  if (!broken || !race) return t.skip('needs the topology of the previous test');
  const answeredBefore = broken.answered;
  const session = new Session();
  const tracer = instrument({ http: false, undici: true, http2: false, eventLoop: false });
  tracer.on('connection', (c) => session.addConnection(c));
  tracer.on('request', (r) => session.addRequest(r));
  tracer.on('close', (c) => session.addConnection(c));
  const agent = new Agent({ connections: 1 });
  const statuses: number[] = [];
  // client-side gap before each request: short ones (the upstream connection is fresh) and ones
  // mid-window (the backend's close minus DELAY_MS, as the relay delays the request on its way)
  const long = race.closeMs - DELAY_MS;
  const gaps = [0, 30, 30, long, 30, long, 30, 30, long, long, 30, long];
  try {
    for (const gap of gaps) {
      await new Promise((r) => setTimeout(r, gap));
      const res = await request(broken.url, { method: 'POST', body: 'hi', dispatcher: agent });
      await res.body.text();
      statuses.push(res.statusCode);
    }
  } finally {
    tracer.stop();
    await agent.close();
  }
  const bad = statuses.filter((s) => s === 502).length;
  assert.ok(bad >= 2, `statuses ${statuses.join(' ')}`);
  assert.equal(broken.answered - answeredBefore, statuses.filter((s) => s === 200).length, 'the backend answered exactly the 200s');
  const findings = diagnose(session);
  const f = findings.find((x) => x.id === 'stale-upstream-5xx');
  assert.ok(f, `${ids(findings).join()} statuses ${statuses.join(' ')}`);
  assert.equal(f.evidence.gatewayErrors, bad);
  assert.equal(f.evidence.gatewayErrorsAfterShortGaps, 0);
  assert.ok((f.evidence.successesAfterShortGaps as number) >= 5, JSON.stringify(f.evidence));
  assert.ok((f.evidence.idleBefore5xxMinMs as number) > (f.evidence.shortGapMs as number));
  assert.ok(ids(findings).includes('server-errors'));
});

test('healthy control: the backend keeps idle connections 65 s → the same load through nginx gets no 5xx and no finding', { skip, timeout: 90_000 }, async () => {
  const healthy = await startStaleUpstream({ backendKeepAliveTimeoutMs: 65_000, delayMs: DELAY_MS });
  topologies.push(healthy);
  const intervalMs = race?.intervalMs ?? 2000 + DELAY_MS;
  const relayBefore = healthy.relay.accepted;
  const r = await bench({ url: healthy.url, client: 'undici', concurrency: 1, rate: 1000 / intervalMs, requests: 8, durationMs: 60_000, method: 'POST', body: Buffer.from('hi') });
  assert.deepEqual(r.stats.statusCodes, { 200: 8 });
  // ground truth: nginx kept using the upstream connection it had (through the relay), none was lost
  assert.ok(healthy.relay.accepted - relayBefore <= 1, `upstream connections opened ${healthy.relay.accepted - relayBefore}`);
  assert.equal(healthy.answered, 8, 'the backend answered every request');
  assert.ok(!ids(r.findings).includes('stale-upstream-5xx'), ids(r.findings).join());
  assert.ok(!ids(r.findings).includes('server-errors'), ids(r.findings).join());
});

test('5xx that do not follow idle gaps (a backend failing every third request under load) → server-errors only', { timeout: 30_000 }, async () => {
  let n = 0;
  const failing = await httpServer((_req, res) => {
    n++;
    res.statusCode = n % 3 === 0 ? 503 : 200;
    res.end('x');
  });
  try {
    const r = await bench({ url: `${failing.origin}/`, client: 'undici', concurrency: 2, durationMs: 800 });
    const bad = r.stats.statusCodes['503'] ?? 0;
    assert.ok(bad > 10, JSON.stringify(r.stats.statusCodes));
    const f = r.findings.find((x) => x.id === 'server-errors');
    assert.ok(f, ids(r.findings).join());
    assert.equal(f.evidence.serverErrors, bad);
    assert.equal(f.evidence.statuses, `503×${bad}`);
    assert.ok(!ids(r.findings).includes('stale-upstream-5xx'), ids(r.findings).join());
    // every answer a 502: the backend is down, not racing an idle timeout
    const down = await httpServer((_req, res) => {
      res.statusCode = 502;
      res.end();
    });
    try {
      const d = await bench({ url: `${down.origin}/`, client: 'undici', concurrency: 1, rate: 8, requests: 6, durationMs: 5000 });
      assert.deepEqual(d.stats.statusCodes, { 502: 6 });
      assert.ok(!ids(d.findings).includes('stale-upstream-5xx'), ids(d.findings).join());
      assert.ok(ids(d.findings).includes('server-errors'));
    } finally {
      await down.close();
    }
  } finally {
    await failing.close();
  }
});
