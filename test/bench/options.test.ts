import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, resolveOptions, type BenchOptions } from '../../src/bench/options.js';
import { effectiveIdleTimeout } from '../../src/bench/engines/idle-timeout.js';
import { UsageError } from '../../src/errors.js';

test('durations: ms, s, m, h and bare seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('3'), 3000);
  assert.throws(() => parseDuration('soon'), UsageError);
  assert.throws(() => parseDuration('-1s'), UsageError);
});

test('defaults and bounds', () => {
  const o = resolveOptions({ url: 'http://127.0.0.1:1/' });
  assert.equal(o.client, 'undici');
  assert.equal(o.concurrency, 10);
  assert.equal(o.connections, 10);
  assert.equal(o.durationMs, 10_000);
  assert.equal(resolveOptions({ url: 'http://127.0.0.1:1/', client: 'h2' }).connections, 1);
  // a count-bounded run still has a time bound
  assert.equal(resolveOptions({ url: 'http://127.0.0.1:1/', requests: 5 }).durationMs, 3_600_000);
  const bads: Array<Partial<BenchOptions>> = [{ concurrency: 0 }, { requests: 1.5 }, { durationMs: 4_000_000 }, { rate: -1 }, { pipelining: 1000 }, { method: 'G E T' }, { headers: { 'bad name': 'x' } }, { headers: { x: 'a\r\nb' } }, { client: 'raw', discardBody: true }];
  for (const bad of bads) {
    assert.throws(() => resolveOptions({ url: 'http://127.0.0.1:1/', ...bad }), UsageError, JSON.stringify(bad));
  }
  assert.throws(() => resolveOptions({ url: 'http://user:secretpw@[bad' }), (e: Error) => e instanceof UsageError && !e.message.includes('secretpw'));
});

test('the idle timeout a client really applies after a Keep-Alive hint', () => {
  // undici: min(hint − 2 s, keepAliveMaxTimeout); without a hint its keepAliveTimeout (default 4 s)
  assert.equal(effectiveIdleTimeout('undici', undefined, undefined), 4000);
  assert.equal(effectiveIdleTimeout('undici', undefined, 5000), 3000);
  assert.equal(effectiveIdleTimeout('undici', 1000, 60_000), 1000);
  // node:http Agent: min(hint − 1 s, timeout); no timeout and no hint: none
  assert.equal(effectiveIdleTimeout('http', undefined, undefined), undefined);
  assert.equal(effectiveIdleTimeout('http', undefined, 5000), 4000);
  assert.equal(effectiveIdleTimeout('http', 30_000, 5000), 4000);
  assert.equal(effectiveIdleTimeout('http', undefined, 0), 0);
});
