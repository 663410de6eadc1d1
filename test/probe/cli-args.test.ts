import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { httpServer } from '../helpers/servers.js';
import { runCli } from './helpers.js';

// --idle-timeout and --max-requests take an optional value; commander hands them the next word, so a URL right
// after them must be taken back as the URL, and a real value must stay their value.

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

test('probe --max-requests URL: the URL is the URL and --max-requests has its default', { timeout: 20_000 }, async () => {
  let requests = 0;
  const s = await httpServer((_q, res) => {
    requests++;
    res.end('x');
  });
  s.server.maxRequestsPerSocket = 3;
  cleanups.push(s.close);
  const r = await runCli(['probe', '--max-requests', `${s.origin}/`, '-n', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.keepAlive.maxRequestsPerConnection, 3, 'the count ran against the URL');
  assert.ok(requests >= 4);
  // with a value it stays the value
  const v = await runCli(['probe', '--max-requests', '2', `${s.origin}/`, '-n', '1', '--json']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(JSON.parse(v.stdout).keepAlive.maxRequestsWithoutClose, 2);
});

test('probe --idle-timeout URL and --idle-timeout 500ms URL', { timeout: 20_000 }, async () => {
  const s = await httpServer((_q, res) => res.end('x'));
  s.server.keepAliveTimeout = 200;
  cleanups.push(s.close);
  const r = await runCli(['probe', '--idle-timeout', `${s.origin}/`, '-n', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).keepAlive.measuredIdleTimeoutMs !== null, 'measured against the URL');
  const v = await runCli(['probe', '--idle-timeout', '5s', `${s.origin}/`, '-n', '1', '--json']);
  assert.equal(v.code, 0, v.stderr);
  assert.ok(JSON.parse(v.stdout).keepAlive.measuredIdleTimeoutMs !== null);
});

test('no URL at all, or a bad value beside a URL → exit 2 with one line', async () => {
  for (const argv of [['probe'], ['probe', '--max-requests'], ['probe', '--idle-timeout', '--max-requests']]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stderr.trim(), /^connscope: missing required argument 'url'/);
  }
  const bad = await runCli(['probe', '--max-requests', 'many', 'http://127.0.0.1:1/']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid --max-requests 'many'/);
});
