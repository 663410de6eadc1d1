import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagnose } from '../../src/diagnose/index.js';
import { eventLoopBlocked as scenario } from '../../src/lab/scenarios/event-loop-blocked.js';
import { Session } from '../../src/model/session.js';
import { probe } from '../../src/probe/index.js';
import { httpServer } from '../helpers/servers.js';
import { collect, sleep, until } from './collect.js';
// @ts-expect-error a plain .mjs fixture (exact line numbers for the profiler), no types
import { holdTheLoopForAWhile, holdTheLoopOnceMore } from '../fixtures/loop-blocker.mjs';

const fixture = fileURLToPath(new URL('../fixtures/loop-blocker.mjs', import.meta.url));
/** Ground truth: the line the fixture's function is defined on. */
const fixtureText = readFileSync(fixture, 'utf8').split('\n');
const fixtureLine = fixtureText.findIndex((l) => l.includes('function holdTheLoopForAWhile')) + 1;
const onceMoreLine = fixtureText.findIndex((l) => l.includes('function holdTheLoopOnceMore')) + 1;

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function get(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

test('tracer with profile: event-loop-blocked names the function that held the loop, with file:line', { timeout: 30_000 }, async () => {
  const server = await httpServer((_q, res) => void setTimeout(() => res.end('ok'), 150));
  cleanups.push(server.close);
  const t = collect({ profile: true });
  cleanups.push(t.stop);
  const agent = new http.Agent({ keepAlive: true });
  cleanups.push(() => agent.destroy());
  const done = get(`${server.origin}/`, agent);
  await sleep(20);
  holdTheLoopForAWhile(300);
  assert.equal(await done, 200);
  await until(() => t.requests.length === 1, 3000, 'trace');
  await sleep(30);
  const blockedBy = t.tracer.eventLoopBlockedBy();
  const hit = blockedBy.find((b) => b.function === 'holdTheLoopForAWhile');
  assert.ok(hit, `named: ${JSON.stringify(blockedBy)}`);
  assert.equal(hit.file, fixture);
  assert.equal(hit.line, fixtureLine);
  assert.ok(hit.ms >= 100, `ms ${hit.ms}`);
  assert.equal(blockedBy[0]!.function, 'holdTheLoopForAWhile', 'the heaviest entry');
  t.stop();

  const s = new Session();
  for (const c of t.connections) s.addConnection(c);
  for (const r of t.requests) s.addRequest(r);
  s.facts = { eventLoop: { maxDelayMs: t.tracer.eventLoopMaxLagMs(), blockedBy } };
  const f = diagnose(s).find((x) => x.id === 'event-loop-blocked');
  assert.ok(f);
  assert.match(String(f.evidence.blockedBy), new RegExp(`^holdTheLoopForAWhile ${fixture.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${fixtureLine} \\d`));
  assert.match(f.fix.summary, /holdTheLoopForAWhile/);
});

test('no stall: the profiler names nothing', { timeout: 30_000 }, async () => {
  const server = await httpServer((_q, res) => res.end('ok'));
  cleanups.push(server.close);
  const t = collect({ profile: true, eventLoopBlockedMs: 1000 });
  cleanups.push(t.stop);
  const agent = new http.Agent({ keepAlive: true });
  cleanups.push(() => agent.destroy());
  for (let i = 0; i < 3; i++) assert.equal(await get(`${server.origin}/`, agent), 200);
  assert.deepEqual(t.tracer.eventLoopBlockedBy(), []);
  t.stop();
});

test('probe: event-loop-blocked evidence names the blocking function (profiling is on by default)', { timeout: 30_000 }, async () => {
  let n = 0;
  // the server shares the probe's loop: blocking in its handler blocks the probe's loop
  const server = await httpServer((_q, res) => {
    if (++n === 2) holdTheLoopOnceMore(250);
    res.end('x');
  });
  cleanups.push(server.close);
  const r = await probe(`${server.origin}/`, { requests: 3 });
  const f = r.findings.find((x) => x.id === 'event-loop-blocked');
  assert.ok(f, r.findings.map((x) => x.id).join());
  assert.match(String(f.evidence.blockedBy), new RegExp(`holdTheLoopOnceMore \\S*loop-blocker\\.mjs:${onceMoreLine} `));
  const off = await probe(`${server.origin}/`, { requests: 1, profile: false });
  assert.equal(off.facts.eventLoop?.blockedBy, undefined);
});

test('lab event-loop-blocked: the finding names the scenario busy loop', { timeout: 60_000 }, async () => {
  const m = await scenario.run('before', { deadlineMs: 20_000, chain: () => Promise.reject(new Error('no TLS here')), shared: new Map() });
  const f = m.findings.find((x) => x.id === 'event-loop-blocked');
  assert.ok(f, m.findings.map((x) => x.id).join());
  assert.match(String(f.evidence.blockedBy), /^busy \S*src\/lab\/scenarios\/event-loop-blocked\.ts:\d+ /);
});
