import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAndCheck, SCENARIO_TIMEOUT_MS } from './helpers.js';

const opts = { timeout: SCENARIO_TIMEOUT_MS };

test('ticket-rotation: rotated ticket keys make every handshake full; stable keys resume', opts, async () => {
  const r = await runAndCheck('ticket-rotation');
  assert.equal(r.before.metrics.resumedHandshakes, 0);
  assert.equal(r.before.metrics.fullHandshakes, 8);
  assert.equal(r.after.metrics.resumedHandshakes, 7);
});

test('long-chain: a leaf with 4 padded intermediates is flagged; leaf + 1 is not and sends fewer bytes', opts, async () => {
  const r = await runAndCheck('long-chain');
  const depth = r.before.connections[0]?.tls?.chain?.depth ?? 0;
  assert.ok(depth >= 5, `chain depth ${depth}`);
  assert.ok((r.after.metrics.chainBytes ?? Infinity) * 4 < (r.before.metrics.chainBytes ?? 0));
});

test('alpn-mismatch: every handshake fails without a shared protocol; all succeed once the server adds http/1.1', opts, async () => {
  const r = await runAndCheck('alpn-mismatch');
  assert.equal(r.before.metrics.ok, 0);
  assert.ok(r.before.requests.every((q) => q.error?.layer === 'tls'), 'the failures are TLS-layer failures');
  assert.equal(r.after.metrics.failures, 0);
});

test('h2-goaway: GOAWAY every 3 streams forces a session per 3 requests; none without it', opts, async () => {
  const r = await runAndCheck('h2-goaway');
  assert.equal(r.before.metrics.serverConnections, 4);
  assert.equal(r.after.metrics.serverConnections, 1);
  assert.ok((r.before.facts.http2?.goaways ?? 0) >= 3);
});

test('h2-stream-limit: streams queue behind a limit of 1; a limit of 100 runs them at once', opts, async () => {
  const r = await runAndCheck('h2-stream-limit');
  assert.equal(r.before.facts.http2?.maxConcurrentStreams, 1);
  assert.ok((r.before.facts.http2?.streamsQueued ?? 0) >= 6);
  assert.equal(r.after.facts.http2?.streamsQueued, 0);
});
