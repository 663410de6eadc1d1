import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { probe } from '../../src/probe/index.js';
import { renderProbe } from '../../src/report/terminal/probe.js';
import { httpServer } from '../helpers/servers.js';
import { spawnCli } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

test('the real binary exits right after --idle-timeout measured the close, not at MAX', { timeout: 90_000 }, async () => {
  const s = await httpServer((_q, res) => res.end('x'));
  s.server.keepAliveTimeout = 300;
  cleanups.push(s.close);
  const started = performance.now();
  // MAX 60 s: a limit timer left pending would keep the process alive that long
  const r = await spawnCli(['probe', `${s.origin}/`, '--idle-timeout', '60', '-n', '1', '--json'], {}, 80_000);
  const elapsed = performance.now() - started;
  assert.equal(r.code, 0, r.stderr);
  const measured = JSON.parse(r.stdout).keepAlive.measuredIdleTimeoutMs as number;
  assert.ok(measured > 200 && measured < 5000, `measured ${measured}`);
  assert.ok(elapsed < 30_000, `exited after ${Math.round(elapsed)} ms (MAX was 60 s)`);
});

test('a server that keeps the idle connection past MAX: idleTimeoutAtLeastMs and "at least" in the text', { timeout: 20_000 }, async () => {
  const s = await httpServer((_q, res) => res.end('x'));
  s.server.keepAliveTimeout = 60_000;
  cleanups.push(s.close);
  const r = await probe(`${s.origin}/`, { idleTimeoutMaxMs: 1000, requests: 1 });
  assert.equal(r.error, null);
  assert.equal(r.keepAlive.measuredIdleTimeoutMs, null);
  assert.equal(r.keepAlive.idleBlackholeAfterMs, null);
  const atLeast = r.keepAlive.idleTimeoutAtLeastMs;
  assert.ok(atLeast !== null && atLeast >= 1000 && atLeast < 10_000, `at least ${atLeast}`);
  assert.equal(s.connections, 2, 'series + the held connection, which answered on the same connection after MAX');
  assert.match(renderProbe(r, { color: false }), /server idle timeout\s+at least 1(\.\d)? s \(held idle/);
  // control: a server that closes first gets a measurement and no "at least"
  const closes = await httpServer((_q, res) => res.end('x'));
  closes.server.keepAliveTimeout = 200;
  cleanups.push(closes.close);
  const c = await probe(`${closes.origin}/`, { idleTimeoutMaxMs: 5000, requests: 1 });
  assert.ok(c.keepAlive.measuredIdleTimeoutMs !== null);
  assert.equal(c.keepAlive.idleTimeoutAtLeastMs, null);
  // and without --idle-timeout nothing is claimed
  const none = await probe(`${closes.origin}/`, { requests: 1 });
  assert.equal(none.keepAlive.idleTimeoutAtLeastMs, null);
  assert.match(renderProbe(none, { color: false }), /not measured \(--idle-timeout\)/);
});
