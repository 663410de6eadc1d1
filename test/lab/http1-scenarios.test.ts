import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAndCheck, SCENARIO_TIMEOUT_MS } from './helpers.js';

const opts = { timeout: SCENARIO_TIMEOUT_MS };

test('keepalive-race: resets on reused sockets before, none after', opts, async () => {
  const r = await runAndCheck('keepalive-race');
  assert.ok(r.before.metrics.errorsOnReusedSockets >= 1, 'the failures happened on reused sockets');
  assert.equal(r.after.metrics.errors, 0);
  // the idle timeout used for the diagnosis was measured on the server, not configured
  assert.ok((r.before.facts.measuredIdleTimeoutMs ?? 0) >= 900);
});

test('lb-idle-mismatch: the proxy answers 502 before, never after', opts, async () => {
  const r = await runAndCheck('lb-idle-mismatch');
  assert.ok(r.before.metrics.serverErrors >= 1);
  assert.ok(r.before.requests.some((q) => q.status === 502));
  assert.equal(r.after.metrics.serverErrors, 0);
  assert.ok(r.before.findings.some((f) => f.id === 'server-headers-timeout'), 'headersTimeout at keepAliveTimeout is flagged too');
});

test('connection-close: one server connection per request before, one in total after', opts, async () => {
  const r = await runAndCheck('connection-close');
  assert.equal(r.before.metrics.serverConnections, r.before.metrics.requests);
  assert.equal(r.after.metrics.serverConnections, 1);
  assert.equal(r.before.metrics.reuseRate, 0);
});

test('unread-body: requests stall behind unread bodies, complete once bodies are read', opts, async () => {
  const r = await runAndCheck('unread-body');
  assert.ok((r.before.facts.unconsumedBodies ?? 0) >= 1);
  assert.equal(r.after.metrics.failures, 0);
  assert.equal(r.after.metrics.ok, r.after.metrics.requests);
});

test('pool-too-small: blocked time dominates before, p99 falls with a pool as large as the concurrency', opts, async () => {
  const r = await runAndCheck('pool-too-small');
  assert.ok((r.before.metrics.blockedShare ?? 0) > 0.5, `blocked share ${r.before.metrics.blockedShare}`);
  // the pool's own connections (the bench's reachability check adds one more on the server side)
  assert.equal(r.before.metrics.connections, 2);
  assert.ok(r.after.metrics.connections > 2);
  assert.equal(r.before.facts.poolSize, 2, 'facts filled by the bench engine');
});

test('no-keepalive: an Agent per request opens a connection per request; one keep-alive Agent reuses', opts, async () => {
  const r = await runAndCheck('no-keepalive');
  assert.equal(r.before.metrics.serverConnections, 10);
  assert.equal(r.after.metrics.serverConnections, 1);
  assert.equal(r.after.metrics.reuseRate, 0.9);
});

test('idle-blackhole: requests after a silent drop time out; an idle timeout below the drop avoids them', opts, async () => {
  const r = await runAndCheck('idle-blackhole');
  assert.ok(r.before.requests.some((q) => q.error?.code === 'UND_ERR_HEADERS_TIMEOUT' && q.reused));
  assert.equal(r.after.metrics.errors, 0);
});

test('pipelining-close: pipelined requests die with the connection; without pipelining none are lost', opts, async () => {
  const r = await runAndCheck('pipelining-close');
  assert.ok(r.before.metrics.errors >= 1);
  assert.equal(r.after.metrics.errors, 0);
  assert.equal(r.after.metrics.ok, 12);
});

test('event-loop-blocked: a blocked loop inflates wait; without it wait is back to the server time', opts, async () => {
  const r = await runAndCheck('event-loop-blocked');
  assert.ok((r.before.facts.eventLoop?.maxDelayMs ?? 0) >= 50);
  assert.ok((r.after.metrics.waitP50 ?? Infinity) < (r.before.metrics.waitP50 ?? 0));
});
